"""Load-test tooling (synthetic data generator, load script). Never imported by the portal."""
