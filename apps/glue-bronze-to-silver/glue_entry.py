"""AWS Glue script: the job's code ships as a wheel (--additional-python-modules / --extra-py-files)
and the contracts as --extra-files; see README.md for the argument contract."""

import sys

from finlake_glue.job import main

sys.exit(main(sys.argv[1:]))
