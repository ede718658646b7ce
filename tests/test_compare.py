"""`python -m chronicle.evaluate.compare`: runs of `chronicle eval all --json` side by side."""

import json

from chronicle.evaluate import compare


def _gsr(macro, micro):
    return {"plover-gsr": {"macro_f1": macro, "type": {"f1": micro}, "type_source": {"f1": 0.5},
                           "type_source_target": {"f1": 0.4}, "false_events_per_gold": 0.2},
            "geowebnews": "gold not found"}


def test_runs_under_one_name_show_their_mean_and_range_and_a_single_run_its_value():
    text = compare.table({"r13": [_gsr(0.70, 0.80), _gsr(0.80, 0.90), _gsr(0.75, 0.85)],
                          "ea": [_gsr(0.77, 0.81)]})
    lines = text.splitlines()
    assert "r13 (3)" in lines[0] and "ea" in lines[0]
    macro = next(line for line in lines if "type macro-F1" in line)
    assert "0.750 [0.700–0.800]" in macro and macro.rstrip().endswith("0.770")
    micro = next(line for line in lines if "type micro-F1" in line)
    assert "0.850 [0.800–0.900]" in micro and micro.rstrip().endswith("0.810")
    assert not any("geowebnews" in line for line in lines)  # a set that was not run has no row


def test_a_set_one_group_lacks_is_a_dash_there():
    text = compare.table({"a": [_gsr(0.7, 0.8)], "b": [{"plover-gsr": "not run"}]})
    macro = next(line for line in text.splitlines() if "type macro-F1" in line)
    assert macro.split()[-1] == "-" and "0.700" in macro


def test_the_command_reads_files_and_names_a_bad_one(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_gsr(0.7, 0.8)))
    b.write_text(json.dumps(_gsr(0.9, 0.8)))
    assert compare.main([f"x={a}", f"x={b}"]) == 0
    assert "0.800 [0.700–0.900]" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("{")
    assert compare.main([f"x={tmp_path / 'bad.json'}"]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_a_single_set_result_is_refused_with_the_reason(tmp_path, capsys):
    one = tmp_path / "gsr.json"
    one.write_text(json.dumps(_gsr(0.7, 0.8)["plover-gsr"]))  # what `chronicle eval plover-gsr --json` writes
    assert compare.main([f"x={one}"]) == 2
    assert "eval all --json" in capsys.readouterr().err
