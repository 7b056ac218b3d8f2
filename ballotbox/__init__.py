"""The ballot box: encrypted casting, verifiable shuffles and threshold decryption with
Debian's belenios-tool (ballotbox/belenios.py; docs/secrecy.md). It imports nothing from the
apps above it: ballots calls it."""
