"""The checks of a submitted model folder: pure, and they never read a weight file."""

from __future__ import annotations

import builtins
import io
import json
import shutil
from pathlib import Path

import pytest

from scoring.engine import submission as check
from scoring.engine.submission import ModelFolderError, card_license, model_folder_check

LIMIT = 10 * 2**20


@pytest.fixture
def folder(tiny_model_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    return copy


def test_a_safetensors_model_of_a_known_architecture_passes(folder: Path) -> None:
    report = model_folder_check(folder, max_bytes=LIMIT)
    assert report.model_type == "gpt2"
    assert report.weight_bytes == (folder / "model.safetensors").stat().st_size
    assert any("safetensors" in line for line in report.checks)


def test_the_check_never_opens_a_weight_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real_open = io.open

    def spy(file: object, *args: object, **kwargs: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(builtins, "open", spy)
    model_folder_check(folder, max_bytes=LIMIT)
    assert any(name.endswith("config.json") for name in opened)  # the spy sees reads
    assert not any(name.endswith(".safetensors") for name in opened)


@pytest.mark.parametrize("name", ["pytorch_model.bin", "model.pt", "ckpt/last.ckpt", "w.pth"])
def test_a_pickle_checkpoint_is_refused(folder: Path, name: str) -> None:
    (folder / name).parent.mkdir(exist_ok=True)
    (folder / name).write_bytes(b"\x80\x04")
    with pytest.raises(ModelFolderError, match="Pickle checkpoint files are not accepted"):
        model_folder_check(folder, max_bytes=LIMIT)


def test_auto_map_in_config_is_refused_as_remote_code(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="remote code"):
        model_folder_check(folder, max_bytes=LIMIT)


def test_a_code_file_is_refused(folder: Path) -> None:
    (folder / "modeling_evil.py").write_text("import os\n")
    with pytest.raises(ModelFolderError, match="Custom code files are not accepted"):
        model_folder_check(folder, max_bytes=LIMIT)


def test_over_the_size_limit_is_refused(folder: Path) -> None:
    size = (folder / "model.safetensors").stat().st_size
    with pytest.raises(ModelFolderError, match="over the limit"):
        model_folder_check(folder, max_bytes=size - 1)


def test_no_config_or_an_unknown_architecture_is_refused(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "not-a-transformers-model"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="Unknown architecture"):
        model_folder_check(folder, max_bytes=LIMIT)
    (folder / "config.json").unlink()
    with pytest.raises(ModelFolderError, match=r"no config\.json"):
        model_folder_check(folder, max_bytes=LIMIT)


def test_no_safetensors_file_is_refused(folder: Path) -> None:
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelFolderError, match=r"no \*\.safetensors"):
        model_folder_check(folder, max_bytes=LIMIT)


def test_the_model_card_licence_is_read_from_its_front_matter(folder: Path) -> None:
    assert card_license(folder) == ""
    (folder / "README.md").write_text("---\nlanguage: en\nlicense: apache-2.0\n---\n# A model\n")
    assert card_license(folder) == "apache-2.0"
    assert model_folder_check(folder, max_bytes=LIMIT).card_license == "apache-2.0"
    (folder / "README.md").write_text("# No front matter\nlicense: mit\n")
    assert card_license(folder) == ""


def test_known_architectures_come_from_transformers() -> None:
    assert {"gpt2", "llama", "mistral"} <= check.known_model_types()


@pytest.mark.parametrize("source", ["org/model", "/some/folder"])
def test_transformers_never_runs_remote_code(source: str, tmp_path: Path) -> None:
    from scoring.engine import ScorerConfig
    from scoring.engine.loading import _source_kwargs

    if source.startswith("/"):
        source = str(tmp_path)
        (tmp_path / "config.json").write_text("{}")
    assert _source_kwargs(ScorerConfig(model_source=source))[1]["trust_remote_code"] is False
