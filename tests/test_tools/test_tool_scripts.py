"""The tools parse their command line as scripts (their tests call ``main``
in-process; this checks each script's entry point and argument parser)."""
import pytest

from mmlkd_testing import run_tool

TOOLS = [
    'tools/inference.py',
    'tools/misc/print_config.py',
    'tools/analysis_tools/analyze_logs.py',
    'tools/analysis_tools/get_flops.py',
    'tools/analysis_tools/plot_class_ap.py',
    'tools/visualization/browse_dataset.py',
]


@pytest.mark.parametrize('tool', TOOLS)
def test_help(tool):
    proc = run_tool([tool, '--help'])
    assert proc.stdout.startswith('usage:')
