"""The hand-written training corpus keeps the format and conventions its README states."""

import csv
import re
from pathlib import Path

import pytest

from chronicle.extract.candidates import EVENT_TYPES

TRAIN = Path(__file__).resolve().parents[1] / "src" / "chronicle" / "data" / "train"
CODEBOOK = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "PLOVER_codebook.csv"
FILES = ("events.tsv", "events_held_back.tsv", "events_contrast.tsv", "events_conventions.tsv")
# written for issue 14 with the codebook's own mode names, each with a note on how it was made
ISSUE_14 = ("events_contrast.tsv", "events_conventions.tsv")
MODALITIES = {"asserted", "intended", "denied", "hypothetical", "claimed"}


def rows(name: str) -> list[list[str]]:
    with open(TRAIN / name, encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    table = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert table[0] == ["text", "type", "mode", "cameo", "modality", "source", "target"]
    return table[1:]


@pytest.mark.parametrize("name", FILES)
def test_every_row_is_well_formed(name):
    for row in rows(name):
        assert len(row) == 7, row
        text, kind, mode, cameo, modality, source, target = row
        assert kind in EVENT_TYPES or kind == "NONE", row
        assert '"' not in text and text == text.strip() and text
        if kind == "NONE":
            assert not any((mode, cameo, modality, source, target)), row
        else:
            assert modality in MODALITIES and re.fullmatch(r"\d{2,4}", cameo), row
            assert all(part in text for part in (source, target) if part), row


def test_no_sentence_is_written_twice_across_the_files():
    seen = set()
    for name in FILES:
        for row in rows(name):
            key = " ".join(re.sub(r"\W+", " ", row[0].lower()).split())
            assert key not in seen, row[0]
            seen.add(key)


@pytest.mark.parametrize("name", ISSUE_14)
def test_issue_14_files_start_with_a_note_on_how_they_were_made(name):
    first = (TRAIN / name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#") and "hand-written" in first


@pytest.mark.skipif(not CODEBOOK.is_file(), reason=f"no PLOVER codebook at {CODEBOOK}")
@pytest.mark.parametrize("name", ISSUE_14)
def test_issue_14_files_use_the_codebooks_own_mode_names(name):
    # the issue-14 rows follow the codebook exactly (riot, crowd-control, arrest, disarm ...);
    # AID's sub-kinds come from the CAMEO table, as the README says
    modes: dict[str, set[str]] = {"AID": {"economic", "military", "humanitarian", "peacekeeping", "asylum"}}
    with open(CODEBOOK, encoding="utf-8") as fh:
        for entry in csv.DictReader(fh):
            modes.setdefault(entry["event"], set()).add(entry["mode"].strip())
    for text, kind, mode, *_ in rows(name):
        if kind != "NONE" and mode:
            assert mode in modes[kind], (kind, mode, text)


def test_contrast_file_codes_the_issue_14_conventions():
    # a riot by a crowd is PROTEST/riot, force against a crowd ASSAULT/crowd-control, a surrender
    # RETREAT/disarm, and disasters or bomb disposal are no event: the file must teach each of them
    table = rows("events_contrast.tsv")
    labels = {(kind, mode) for _, kind, mode, *_ in table}
    assert {("PROTEST", "riot"), ("ASSAULT", "crowd-control"), ("COERCE", "arrest"),
            ("RETREAT", "disarm")} <= labels
    none = sum(kind == "NONE" for _, kind, *_ in table)
    assert 0.3 <= none / len(table) <= 0.5
    kept = {text: kind for text, kind, *_ in table}
    assert any("defused" in t and k == "NONE" for t, k in kept.items())
    assert any(m in ("denied", "hypothetical") for *_, m, _s, _t in table)


def test_the_own_recipe_reads_only_the_first_corpus_and_the_news_recipe_both():
    # `make train-own` retrains the session-6 model from events.tsv alone; `make train` adds the
    # contrast sentences (and the real news of ../shared/train)
    from chronicle.extract import train

    assert train.own_corpora(contrast=False) == [train.CORPUS]
    assert train.own_corpora() == [train.CORPUS, train.CONTRAST]
    first = len(train.read_own(contrast=False))
    assert 3000 < first < len(train.read_own())


def test_held_back_rows_are_read_only_for_the_types_asked():
    # `--held-back MOBILIZE,AID` trains on those rows of events_held_back.tsv and no others
    from chronicle.extract import train

    assert train.read_held_back(()) == []
    picked = train.read_held_back(("MOBILIZE", "ACCUSE"))
    assert {row["type"] for row in picked} == {"MOBILIZE", "ACCUSE"}
    expected = sum(1 for row in rows("events_held_back.tsv") if row[1] in ("MOBILIZE", "ACCUSE"))
    assert len(picked) == expected > 0


def test_conventions_file_teaches_each_convention_with_its_contrast():
    # each convention stands beside the reading a news-trained model confused it with
    table = rows("events_conventions.tsv")

    def has(word, kind, **want):
        return any(word in text and k == kind and all(dict(zip(("mode", "cameo", "modality", "source"),
                   rest[:4]))[f] == v for f, v in want.items()) for text, k, *rest in table)

    assert has(" struck ", "PROTEST", mode="strike") and has(" struck ", "ASSAULT") and has(" struck ", "NONE")
    assert has("protest", "ACCUSE", cameo="114") and has("protest", "PROTEST", mode="demo")
    assert has("went off", "ASSAULT", mode="explosives", source="") and has("defused", "NONE")
    assert has("prepared to", "THREATEN") and has("prepared to", "AGREE")
    assert has("called off", "CONCEDE", cameo="082") and has("called off", "SANCTION") and has("called off", "NONE")
    assert has("would not", "REJECT", modality="asserted") and has("agreed to ban", "SANCTION")
    assert has("agreed to postpone", "AGREE") and has("rights group said", "ASSAULT", modality="claimed")
    assert has("did not", "ASSAULT", modality="denied") and has("If troops", "MOBILIZE", modality="hypothetical")


def test_weights_from_onnx_names_every_weight_as_torch_does(tmp_path):
    """A model exported the way `export` does comes back with every parameter under its own
    name and value, the Linear weights (unnamed, transposed MatMul inputs in the file) included:
    what `--init-from` starts a fine-tuning from."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from chronicle.extract.train import weights_from_onnx

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.up = torch.nn.Linear(4, 6)
            self.norm = torch.nn.LayerNorm(6)
            self.down = torch.nn.Linear(6, 3)

        def forward(self, x):
            return self.down(self.norm(self.up(x)).relu())

    torch.manual_seed(0)
    model = Tiny().eval()
    path = tmp_path / "tiny.onnx"
    torch.onnx.export(model, (torch.randn(2, 5, 4),), str(path), input_names=["x"],
                      dynamic_axes={"x": {0: "batch", 1: "tokens"}}, opset_version=17, dynamo=False)
    weights = weights_from_onnx(path)
    state = model.state_dict()
    assert set(weights) == set(state)
    for name, tensor in state.items():
        assert weights[name].shape == tuple(tensor.shape), name
        assert (weights[name] == tensor.numpy()).all(), name


def test_a_fine_tuning_starts_from_a_head_with_the_trigger_attention(tmp_path):
    """`--init-from` reads the encoder from fp32.onnx and the head from events_head.npz, the
    trigger's attention projections (`--attention-dim`) included; a hidden layer is refused."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import numpy as np

    from chronicle.extract.train import _state_from

    torch.manual_seed(0)
    encoder = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LayerNorm(6)).eval()
    torch.onnx.export(encoder, (torch.randn(2, 5, 4),), str(tmp_path / "fp32.onnx"), input_names=["x"],
                      dynamic_axes={"x": {0: "batch", 1: "tokens"}}, opset_version=17, dynamo=False)
    head = {"w0": np.random.rand(18, 3).astype(np.float32), "b0": np.random.rand(3).astype(np.float32),
            "wq": np.random.rand(6, 2).astype(np.float32), "wk": np.random.rand(6, 2).astype(np.float32)}
    np.savez(tmp_path / "events_head.npz", **head)
    state = {**{name: torch.zeros_like(t) for name, t in encoder.state_dict().items()},
             "head.0.weight": torch.zeros(3, 18), "head.0.bias": torch.zeros(3),
             "head.wq": torch.zeros(6, 2), "head.wk": torch.zeros(6, 2)}
    loaded = _state_from(tmp_path, state, torch)
    assert (loaded["0.weight"].numpy() == encoder.state_dict()["0.weight"].numpy()).all()
    assert (loaded["head.0.weight"].numpy() == head["w0"].T).all()
    assert (loaded["head.wq"].numpy() == head["wq"]).all() and (loaded["head.wk"].numpy() == head["wk"]).all()
    np.savez(tmp_path / "events_head.npz", **head, w1=head["w0"])
    with pytest.raises(SystemExit, match="a hidden layer"):
        _state_from(tmp_path, state, torch)


# -- where a label goes: the word the classifier is asked about at run time -------------------

@pytest.fixture(scope="module")
def nlp():
    from chronicle.nlp import load_pipeline
    return load_pipeline()


@pytest.mark.parametrize("text,label,word", [
    # a statement with no word listing its type is about the act it announces or refuses
    ("The miners' union said its members would boycott the new shift rota from March.",
     "THREATEN", "boycott"),
    ("The Chilean foreign minister said Santiago was ready to resume talks with La Paz.",
     "AGREE", "talks"),
    ("Hungary's prime minister said Budapest would never recognise the breakaway region.",
     "REJECT", "recognise"),
    # a word that lists the type itself still wins
    ("The rebels threatened to attack the garrison if the army advanced.", "THREATEN", "threatened"),
    # an act that is the condition, not the announcement, is not what the promise is about
    ("The commander said his men were ready to lay down their arms if the army withdrew.",
     "AGREE", "said"),
])
def test_a_label_goes_on_the_act_its_statement_is_about(nlp, text, label, word):
    from chronicle.extract.train import _pick_trigger
    sent = next(iter(nlp(text).sents))
    assert _pick_trigger(sent, label).text == word


def test_an_asserted_act_is_not_taken_for_a_statement_about_it(nlp):
    from chronicle.extract.candidates import candidates
    from chronicle.extract.train import _stated_act
    sent = next(iter(nlp("Protesters boycotted the ceremony, the organisers said.").sents))
    assert _stated_act(candidates(sent, gated=False), "THREATEN") == []
