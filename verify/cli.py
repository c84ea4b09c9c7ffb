"""Command-line interface (placeholder until the verify issue lands)."""


def main(argv=None):
    print("w2s-verifier: verify layer not yet implemented")
    return 0
