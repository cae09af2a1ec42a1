"""The FAQ-versus-flows bench: what it strips for the model without the FAQ, and how it scores."""

from pathlib import Path

import yaml

from bot.modelops.faq_flows import (
    compare,
    config_without_faq,
    format_comparison,
    nlu_without_faq,
    write_chart,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_the_project_config_loses_only_the_faq_components() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    stripped = config_without_faq(config)
    names = [c["name"].rsplit(".", 1)[-1] for c in stripped["pipeline"]]
    assert "ResponseSelector" not in names
    assert "FaqFallbackRescue" not in names and "FaqFamilyVote" not in names
    assert "TfidfIntentClassifier" in names and "FallbackClassifier" in names
    assert len(names) == len(config["pipeline"]) - 3
    assert stripped["policies"] == config["policies"]


def test_faq_examples_and_answers_go_and_everything_else_stays() -> None:
    document = {
        "version": "3.1",
        "nlu": [
            {"intent": "faq/support_hours", "examples": "- when are you open\n"},
            {"intent": "faq", "examples": "- a bare faq line\n"},
            {"intent": "faqs_are_great", "examples": "- not the retrieval intent\n"},
            {"intent": "forgot_password", "examples": "- forgot my password\n"},
            {"regex": "email", "examples": "- \\S+@\\S+\n"},
        ],
        "responses": {"utter_faq/support_hours": [{"text": "9-5"}], "utter_other": []},
    }
    stripped = nlu_without_faq(document)
    assert [b.get("intent", b.get("regex")) for b in stripped["nlu"]] == [
        "faqs_are_great",
        "forgot_password",
        "email",
    ]
    assert stripped["responses"] == {"utter_other": []}
    assert stripped["version"] == "3.1"
    assert len(document["nlu"]) == 5  # the input is left alone


def test_the_project_faq_file_keeps_only_its_flow_contrast_lines() -> None:
    document = yaml.safe_load((PROJECT_ROOT / "data/nlu/faq.yml").read_text(encoding="utf-8"))
    stripped = nlu_without_faq(document)
    assert stripped["nlu"], "the problem lines next to the questions are flow data"
    assert not any(str(b.get("intent", "")).startswith("faq") for b in stripped["nlu"])
    assert not any(name.startswith("utter_faq/") for name in stripped.get("responses", {}))


def test_compare_scores_only_non_faq_lines_and_lists_what_changed() -> None:
    texts = ["where is my code", "is it case sensitive", "bye", "locked out", "signing off"]
    gold = ["mfa_code_missing", "faq", "goodbye", "account_locked", "goodbye"]
    without = ["mfa_code_missing", "wrong_credentials", "goodbye", "account_locked", "greet"]
    with_faq = ["faq", "faq", "goodbye", "account_locked", "goodbye"]
    result = compare("heldout.yml", texts, gold, without, with_faq)
    assert result.lines == 4
    assert result.accuracy_without == 0.75 and result.accuracy_with == 0.75
    assert result.taken_as_faq == 1
    assert [line.text for line in result.lost] == ["where is my code"]
    assert [line.text for line in result.gained] == ["signing off"]
    assert result.lower == ["mfa_code_missing"]
    assert result.f1["goodbye"]["without"] < result.f1["goodbye"]["with"] == 1.0
    printed = "\n".join(format_comparison(result))
    assert "lost   mfa_code_missing (now faq): where is my code" in printed
    assert "gained goodbye (was greet): signing off" in printed


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    result = compare(
        "real-dev.tsv", ["a", "b"], ["greet", "deny"], ["greet", "greet"], ["greet", "deny"]
    )
    path = tmp_path / "charts" / "faq-flows.png"
    write_chart([result, result], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
