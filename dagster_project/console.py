"""The run's console output: one line per event, a failure said once.

Dagster's default console logger prints each failure with the framework's stack trace,
repeats it for the run, and adds a "Not executing" line for every step downstream. A
data engineer reading `make run` needs what failed, in which file, against which
contract: the failing step's own message says that (the stack trace stays in the run's
event log, where `make dev` shows it). dagster-dbt's lines about the dbt command (its
full command line, its default selection) are said in a few words: the command is in
the run's event log and dbt's own output in the run's log file. dagster-dbt's warning
that a test of a model that is not an asset is logged as an observation is not shown."""

import logging
import re

from dagster import Field, logger

_PREFIX = re.compile(r"^[\w.]+ - [0-9a-f-]{36} - (\d+ - )?")
_EXCEPTION = re.compile(r"^(dagster\._core\.definitions\.events\.Failure|[\w.]+Error): ", re.MULTILINE)
_SAID_SHORTER = (
    ("A dbt subsetted execution is not being performed", None),
    # The keys of the matched panel's ephemeral steps are tested (dbt-project-evaluator
    # asks every model for a key test); an ephemeral model is no asset, so its tests are
    # observations, not checks. A failing one still fails dbt's build, and the step.
    ("Logging an `AssetObservation` instead of an `AssetCheckResult` for dbt test", None),
    ("Running dbt command: ", "dbt build: running"),
    ("Finished dbt command: ", "dbt build: finished"),
)


class _OneLineFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Not executing." in message or "RUN_FAILURE" in message:
            return False  # said by the failing step itself, and in the summary
        message = _PREFIX.sub("", message.split("\n\nStack Trace:")[0].rstrip())
        step, _, said = message.partition(" - ")
        if not said or " " in step:
            step, said = "", message
        for start, shorter in _SAID_SHORTER:
            if said.startswith(start):
                if shorter is None:
                    return False
                message = f"{step} - {shorter}" if step else shorter
        record.msg, record.args = _EXCEPTION.sub("", message), ()
        return True


@logger(
    config_schema={"log_level": Field(str, is_required=False, default_value="INFO")},
    description="The console: one line per event, each failure once, without framework stack traces.",
)
def impact_console(init_context) -> logging.Logger:
    level = logging.getLevelNamesMapping()[init_context.logger_config["log_level"].upper()]
    console = logging.Logger("impact", level=level)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    handler.addFilter(_OneLineFailures())
    console.addHandler(handler)
    return console
