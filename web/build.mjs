// Bundle the chat widget (src/widget.js + socket.io-client) into ONE minified IIFE file:
// bot/web/static/signin-chat.js, exposing `window.SigninChat`.
//
//   npm ci && node build.mjs           build (the output is committed, so running needs no Node)
//   node build.mjs --check             exit 1 if the committed file differs from a fresh build
//
// The output is deterministic: the same package-lock.json and sources give the same bytes
// (no timestamps, no absolute paths; the banner lists the bundled packages and versions).
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, "..", "bot", "web", "static", "signin-chat.js");
const check = process.argv.includes("--check");

const own = JSON.parse(await readFile(join(here, "package.json"), "utf8"));

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: ["src/widget.js"],
  bundle: true,
  format: "iife",
  globalName: "SigninChat",
  platform: "browser",
  target: ["es2019", "chrome80", "edge80", "firefox78", "safari15"],
  minify: true,
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  metafile: true,
  write: false,
  logLevel: "warning",
});

// Name every third-party package that ended up in the bundle, with its version and licence.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match && !packages.has(match[1])) {
    const meta = JSON.parse(
      await readFile(join(here, "node_modules", match[1], "package.json"), "utf8"),
    );
    packages.set(match[1], `${meta.name}@${meta.version} (${meta.license})`);
  }
}
const bundled = [...packages.values()].sort().join(", ");
const banner =
  `/*! signin-chat ${own.version} (${own.license}) | bundles ${bundled} | ` +
  `built from web/ by \`node build.mjs\`: do not edit by hand */\n`;
const output = banner + result.outputFiles[0].text;

if (check) {
  let committed = "";
  try {
    committed = await readFile(outFile, "utf8");
  } catch {
    // Missing counts as different.
  }
  if (committed !== output) {
    console.error(`${outFile} is out of date: run \`node build.mjs\` in web/ and commit it`);
    process.exit(1);
  }
  console.log(`${outFile} is up to date (${output.length} bytes)`);
} else {
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, output);
  console.log(`wrote ${outFile} (${output.length} bytes; bundles ${bundled})`);
}
