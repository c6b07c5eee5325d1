import sys
from pathlib import Path

# The twin is run as `python -m aws_twin` from tools/twin; its tests import it the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
