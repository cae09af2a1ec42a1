"""Browser tests of the web chat widget (headless Chromium driven by Playwright)."""
