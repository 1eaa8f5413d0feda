"""What ``kcli quickstart`` narrates: each step's command and output, then the commands to do it by hand."""

from __future__ import annotations


def quickstart_console():
    """The console ``kcli quickstart`` narrates on (stdout), built when the command runs."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def quickstart_step(console, number: int, title: str, command: str) -> None:
    from rich.markup import escape

    console.print(f"\n[bold]Step {number}: {escape(title)}[/]\n  [dim]$[/] [cyan]{escape(command)}[/]")


def quickstart_output(console, line: str, *, stderr: bool = False) -> None:
    """A line the step's command prints; what it prints on stderr is dimmed."""
    from rich.markup import escape

    console.print(f"  [dim]{escape(line)}[/]" if stderr else f"  {escape(line)}")


def quickstart_done(console, ok: bool, kept) -> None:
    from rich.markup import escape

    if not ok:
        console.print("\n[red]The quickstart did not read back the three events it wrote.[/]")
    console.print("\nThat was Kafka's quickstart. To do it by hand, each command in its own terminal:")
    for command in (
        "kcli server-start",
        "kcli topics --create --topic coffee --bootstrap-server localhost:9092",
        "kcli console-producer --topic coffee --bootstrap-server localhost:9092",
        "kcli console-consumer --topic coffee --from-beginning --bootstrap-server localhost:9092",
        "kcli server-stop",
    ):
        console.print(f"  [cyan]{escape(command)}[/]")
    if kept:
        console.print(f"\nThe quickstart's data is kept in {escape(str(kept))}")
