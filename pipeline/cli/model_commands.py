"""``lianming train``, ``lianming classify`` and ``lianming benchmark tipdm``.

``lianming train --with-corrections`` retrains a deployment's model on its
training corpus plus the reviewers' category corrections and promotes it
only if it is not worse on the fixed evaluation set
(:func:`pipeline.classify.retrain.retrain_with_corrections`).

``register(app)`` adds the commands to the main app; ``pipeline.cli.main``
calls it. Command bodies run under main's ``_guard`` so a LianmingError
becomes a message and its exit code, as for every other command. Heavy
imports (sklearn, jieba) happen inside the commands: ``lianming --help``
must stay fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.cli.options import ConfigOpt, DbOpt, HomeOpt

DEFAULT_MODELS_DIR = Path("models")
DEFAULT_TIPDM_DIR = Path("../shared/data/tipdm2020")
_PREDICT_BATCH = 1000  # texts per predict call: bounds memory on large files

console = Console()


def _guarded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # Imported here: pipeline.cli.main imports this module to register it.
    from pipeline.cli.main import _guard

    return _guard(fn, *args, **kwargs)


def _metrics_table(title: str, rows: list[tuple[str, dict[str, Any] | None]]) -> Table:
    table = Table(title=title)
    for column in ("figures", "samples", "accuracy", "macro-F1"):
        table.add_column(column, justify="left" if column == "figures" else "right")
    for name, metrics in rows:
        if metrics:
            table.add_row(name, str(metrics["samples"]), f"{metrics['accuracy']:.4f}", f"{metrics['macro_f1']:.4f}")
    return table


def _per_class_table(metrics: dict[str, Any]) -> Table:
    table = Table(title="per class")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, row in metrics["per_class"].items():
        table.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    return table


def _print_card_summary(card: dict[str, Any], model_dir: Path) -> None:
    rows = [("cross-validation", card.get("cross_validation")), ("test", card.get("test"))]
    console.print(_metrics_table(f"model {card['version']}", rows))
    shown = card.get("test") or card.get("cross_validation")
    if shown:
        console.print(_per_class_table(shown))
    console.print(f"training {card['training_seconds']:.1f} s, cross-validation {card['cross_validation_seconds']:.1f} s;"
                  f" model file {card['model_file_bytes'] / 1e6:.1f} MB; written to {model_dir}")


def _check_train_options(*, with_corrections: bool, data: Path | None, fixed_by_deployment: dict[str, Any]) -> None:
    from pipeline.errors import UsageError

    if with_corrections:
        given = [option for option, value in fixed_by_deployment.items() if value]
        if given:  # the deployment's models folder and its corpus format are fixed: refuse rather than ignore
            raise UsageError(f"{', '.join(given)} cannot be used with --with-corrections")
    elif data is None:
        raise UsageError("--data is required (or --with-corrections to retrain a deployment's model)")


def _retrain(*, data: Path | None, policy: Path | None, cv_folds: int, jobs: int, home: Path | None,
             db_url: str | None, config: Path | None) -> None:
    """The body of ``train --with-corrections``: retrain, compare, promote if not worse, report."""

    def go():
        from pipeline.classify.retrain import retrain_with_corrections
        from pipeline.cli.main import _settings
        from pipeline.context import PipelineContext

        settings = _settings(home, db_url, config)
        overrides = {"training_data": data, "policy_dir": policy}
        settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        ctx = PipelineContext.open(settings)
        try:
            with ctx.db.session() as session:
                return settings, retrain_with_corrections(session, settings, cv_folds=cv_folds, n_jobs=jobs)
        finally:
            ctx.close()

    with console.status("training on the corpus and the reviewers' corrections, then scoring both models..."):
        settings, result = _guarded(go)
    console.print(_metrics_table(f"evaluation set {settings.evaluation_data}",
                                 [("model in force", result.before), (f"candidate {result.version}", result.after)]))
    console.print(f"{result.corrections} reviewer correction(s) trained on; {result.reason};"
                  f" written to {result.model_dir}")
    if result.promoted and settings.model_dir is not None:
        # An explicit model_dir setting wins over models/CURRENT (see registry.current_model_dir).
        console.print(f"[yellow]note:[/] the model_dir setting ({settings.model_dir}) still names the model in use;"
                      " unset it to use the promoted one")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``classify`` and the ``benchmark`` group to ``app``."""

    @app.command()
    def train(
        data: Annotated[Path | None, typer.Option("--data", help="Labelled JSONL: one object per line with text (and title) and label. With --with-corrections: default the training_data setting.")] = None,
        text_field: Annotated[str, typer.Option("--text-field", help="Field holding the text; a 'title' field is prepended.")] = "text",
        label_field: Annotated[str, typer.Option("--label-field", help="Field holding the label.")] = "label",
        out: Annotated[Path | None, typer.Option("--out", help="Model folder (default models/<name>).")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Model name (default: the data file's stem).")] = None,
        cv_folds: Annotated[int, typer.Option("--cv-folds", help="Cross-validation folds for the card's figures; 0 skips.")] = 5,
        check_labels: Annotated[bool, typer.Option("--check-labels", help="Refuse labels that are not category codes of the policy taxonomy.")] = False,
        policy: Annotated[Path | None, typer.Option("--policy", help="Policy folder for --check-labels and --with-corrections (default: packaged, or the policy_dir setting).")] = None,
        jobs: Annotated[int, typer.Option("--jobs", help="Cross-validation folds run in parallel.")] = 1,
        with_corrections: Annotated[bool, typer.Option("--with-corrections", help="Retrain the deployment's model on the training data plus reviewers' category corrections; promote it only if not worse on the evaluation set.")] = False,
        home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None,
    ) -> None:
        """Train the issue classifier on a labelled JSONL file and save it with its model card."""
        _guarded(_check_train_options, with_corrections=with_corrections, data=data,
                 fixed_by_deployment={"--out": out, "--name": name, "--text-field": text_field != "text",
                                      "--label-field": label_field != "label"})
        if with_corrections:
            _retrain(data=data, policy=policy, cv_folds=cv_folds, jobs=jobs, home=home, db_url=db_url, config=config)
            return

        def go() -> tuple[dict[str, Any], Path]:
            from pipeline.classify import check_labels_in_taxonomy, read_corpus, save_model, train_model

            corpus = read_corpus(data, text_field=text_field, label_field=label_field)
            if check_labels:
                from pipeline.config import load_policy

                check_labels_in_taxonomy(corpus.labels or [], load_policy(policy).category_codes, source=str(data))
            model_name = name or data.stem
            model_dir = out or DEFAULT_MODELS_DIR / model_name
            trained = train_model(corpus.texts, corpus.labels or [], cv_folds=cv_folds, n_jobs=jobs)
            card = save_model(trained, model_dir, {"name": model_name, "training_file": data,
                                                   "text_field": text_field, "label_field": label_field})
            return card, model_dir

        with console.status("training (segmenting with jieba, cross-validating)..."):
            card, model_dir = _guarded(go)
        _print_card_summary(card, model_dir)

    @app.command()
    def classify(
        file: Annotated[Path, typer.Argument(help="JSONL with an id and text (and title) per line.")],
        model: Annotated[Path, typer.Option("--model", help="Model folder written by `train`.")],
        out: Annotated[Path | None, typer.Option("--out", help="Write JSON lines here instead of stdout.")] = None,
        text_field: Annotated[str, typer.Option("--text-field", help="Field holding the text.")] = "text",
        top_k: Annotated[int, typer.Option("--top-k", min=1, help="Labels reported per text (primary + secondary).")] = 3,
    ) -> None:
        """Label every line of a JSONL file: id, label, probability, needs_review, secondary labels."""

        def go() -> int:
            from pipeline.classify import load_model, read_corpus

            classifier = load_model(model)
            corpus = read_corpus(file, text_field=text_field, label_field=None)
            if out:
                out.parent.mkdir(parents=True, exist_ok=True)
            sink = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115 - closed below
            try:
                for start in range(0, len(corpus), _PREDICT_BATCH):
                    batch = slice(start, start + _PREDICT_BATCH)
                    results = classifier.classify(corpus.texts[batch], k=top_k)
                    for record_id, result in zip(corpus.ids[batch], results, strict=True):
                        line = {"id": record_id, **result.to_dict(), "model": classifier.version}
                        sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            finally:
                if out:
                    sink.close()
            return len(corpus)

        count = _guarded(go)
        if out:
            Console(stderr=True).print(f"classified {count} texts into {out}")

    benchmark_app = typer.Typer(help="Public benchmarks of the issue classifier.", no_args_is_help=True)

    @benchmark_app.command("tipdm")
    def benchmark_tipdm(
        data_dir: Annotated[Path, typer.Option("--data-dir", help="Folder with train.jsonl and test.jsonl.")] = DEFAULT_TIPDM_DIR,
        out: Annotated[Path, typer.Option("--out", help="Model folder for the benchmark model and its card.")] = DEFAULT_MODELS_DIR / "tipdm",
        cv_folds: Annotated[int, typer.Option("--cv-folds", help="Cross-validation folds on train; 0 skips.")] = 5,
        jobs: Annotated[int, typer.Option("--jobs", help="Cross-validation folds run in parallel.")] = 1,
    ) -> None:
        """2020 TipDM Cup C: train on train.jsonl, score test.jsonl (title + text), save model + card."""

        def go():
            from pipeline.classify.benchmark import run_tipdm_benchmark

            return run_tipdm_benchmark(data_dir, out, cv_folds=cv_folds, n_jobs=jobs)

        with console.status("training on train.jsonl, then scoring test.jsonl..."):
            result = _guarded(go)
        test = result.test
        console.print(f"tipdm test: accuracy {test['accuracy']:.4f}, macro-F1 {test['macro_f1']:.4f},"
                      f" training {result.training_seconds:.1f} s")
        _print_card_summary(result.card, result.model_dir)

    app.add_typer(benchmark_app, name="benchmark")
