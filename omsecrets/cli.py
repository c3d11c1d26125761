def main(argv=None):
    raise SystemExit("omsecrets: not built yet")
