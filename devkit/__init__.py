"""Development-only helpers shared by the tests and the benchmarks.

Not part of the shop: pyproject.toml's package list leaves it out of the wheel and
.dockerignore out of the image. Import it from the project root (pytest and
``python -m benchmarks.run`` run there).
"""
