"""The AWS twin: the platform's deployed shape run on one machine (see tools/twin/README.md)."""
