"""Developer and CI tasks. ``nox`` alone runs lint, typecheck, the whole test suite, the template
linters and the docs build.

The default sessions run on the interpreter nox itself runs on (any Python >= 3.11, the
project's ``requires-python``), so they can never be skipped for want of a pinned version;
``lambda_runtime`` pins Lambda's Python 3.12. A session whose interpreter is missing fails.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "template", "docs"]
nox.options.reuse_existing_virtualenvs = True
# Never pass without testing: a missing interpreter is an error, on CI and off it.
nox.options.error_on_missing_interpreters = True

LAMBDA_RUNTIME = "3.12"


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the library and the Lambda entrypoints."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """All test levels: unit, functional (moto in-process), integration (moto server)."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session(python=LAMBDA_RUNTIME)
def lambda_runtime(session: nox.Session) -> None:
    """Unit and functional tests on Lambda's Python (3.12); fails if it is not installed."""
    session.install("-e", ".[dev]")
    session.run("pytest", "tests/unit", "tests/functional", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; --strict turns broken links and references into failures."""
    session.install("-e", ".[docs,cli]")
    # The theme's end-of-life banner is answered by docs/decisions/0010.
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def template(session: nox.Session) -> None:
    """cfn-lint on the SAM template, then parliament on every IAM policy in it."""
    # parliament imports pkg_resources, which setuptools 81 dropped.
    session.install("-e", ".[sandbox]", "cfn-lint>=1.0", "parliament>=1.6", "setuptools<81")
    session.run("cfn-lint", "template.yaml")
    session.run("python", "scripts/lint_policies.py", "template.yaml")


@nox.session
def layer(session: nox.Session) -> None:
    """Lambda layer zips in dist/, one per architecture; prints their sizes (not run by default).

    ``nox -s layer -- --include-boto3`` also bundles boto3; ``-- --arch arm64`` builds one.
    """
    session.run("python", "scripts/build_layer.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: print cost and speed figures (never asserted); ``-- --json PATH`` saves them."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "benchmarks.run", *session.posargs)
