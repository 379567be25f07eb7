"""rebuy's Spark job: runs the scoring statement rebuy compiled (Spark SQL) over Parquet inputs or a
table of the session's catalog.

Started by `rebuy score --engine spark` through spark-submit, with one argument: a JSON job file
holding the statement, the inputs (Parquet paths, or a table name), the columns the model needs and the directory to write. The
statement does all the scoring inside Spark; this file only checks the input's columns and numbers, runs it,
writes the result as Parquet through Spark's committer (a failed or retried task leaves nothing
behind; every row is written exactly once) and reports progress and errors as JSON lines on stderr,
which rebuy reads: `REBUY-PROGRESS {...}`, `REBUY-ERROR {...}`, `REBUY-DONE {...}`.
"""
import json
import math
import sys
import threading
from functools import reduce

from pyspark.sql import SparkSession, functions as F, types as T
from pyspark.errors import AnalysisException

NUMERIC_TYPES = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
# Exit codes rebuy reads: the user's input is wrong; the engine failed the job.
EXIT_INPUT = 2
EXIT_JOB = 3


def say(kind, payload):
    sys.stderr.write(f"REBUY-{kind} {json.dumps(payload)}\n")
    sys.stderr.flush()


def fail(code, kind, message, **where):
    say("ERROR", {"kind": kind, "message": message, **where})
    sys.exit(code)


def first_line(err):
    """The line of an error that says what happened, without the JVM's stack."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    named = [line for line in lines if "Exception:" in line or "aborted" in line]
    return (named or lines or [type(err).__name__])[0][:2000]


def check_columns(frame, job):
    """Every column the model reads is there, numeric ones with a numeric type: a clear error otherwise."""
    table = job["table"]
    types = {f.name: f.dataType for f in frame.schema.fields}
    wanted = [job["columns"]["id"], *job["columns"]["numeric"], *job["columns"]["categorical"]]
    for name in wanted:
        if name not in types:
            fail(EXIT_INPUT, "missing-column", f"the table has no column {json.dumps(name)}; the model needs it",
                 table=table, column=name)
    for name in job["columns"]["numeric"]:
        if not isinstance(types[name], NUMERIC_TYPES):
            fail(EXIT_INPUT, "wrong-type",
                 f"column {json.dumps(name)} is {types[name].simpleString()}; the model needs a number",
                 table=table, column=name, type=types[name].simpleString())


def column(name):
    """A column by its name as written (a dot or a backtick in it is part of the name)."""
    return F.col("`" + name.replace("`", "``") + "`")


def count_rows_refusing_numbers(frame, job):
    """The rows, counted in the pass that also looks for a number the model cannot take (an infinity, or
    beyond the limit rebuy sends); NaN is a missing value, as the statement reads it."""
    numeric, limit = job["columns"]["numeric"], job["numberLimit"]
    beyond = [F.abs(F.nanvl(column(name).cast("double"), F.lit(None).cast("double"))) >= limit for name in numeric]
    any_beyond = reduce(lambda a, b: a | b, beyond) if beyond else F.lit(False)
    counted = frame.agg(F.count(F.lit(1)).alias("rows"), F.count(F.when(any_beyond, 1)).alias("beyond")).first()
    if counted["beyond"]:
        row = frame.filter(any_beyond).select(column(job["columns"]["id"]), *[column(name) for name in numeric]).first()
        at = next(i for i, value in enumerate(row[1:]) if value is not None and not math.isnan(value) and not abs(value) < limit)
        value = row[at + 1]
        text = ("-" if value < 0 else "") + "Infinity" if math.isinf(value) else repr(float(value))
        fail(EXIT_INPUT, "number", "a number the model cannot take", table=job["table"], column=numeric[at],
             id=str(row[0]), value=text)
    return counted["rows"]


def watch_progress(context, stop):
    """Each active stage's task counts whenever they change, every half second (Spark's status tracker)."""
    tracker = context.statusTracker()
    last = None
    while not stop.wait(0.5):
        stages = []
        for stage_id in sorted(tracker.getActiveStageIds()):
            info = tracker.getStageInfo(stage_id)
            if info is not None:
                stages.append({"stage": stage_id, "tasks": info.numTasks, "done": info.numCompletedTasks,
                               "running": info.numActiveTasks, "failed": info.numFailedTasks})
        if stages and stages != last:
            say("PROGRESS", {"stages": stages})
            last = stages


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    spark = SparkSession.builder.appName(job.get("name", "rebuy score")).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    stop = threading.Event()
    threading.Thread(target=watch_progress, args=(spark.sparkContext, stop), daemon=True).start()
    try:
        try:
            if "sourceTable" in job:
                frame = spark.table(job["sourceTable"])
            else:
                frame = spark.read.parquet(*job["inputs"])
        except AnalysisException as err:
            fail(EXIT_INPUT, "input", f"Spark cannot read the input: {first_line(err)}", table=job["table"])
        check_columns(frame, job)
        frame.createOrReplaceTempView(job["view"])
        try:
            rows = count_rows_refusing_numbers(frame, job)
            say("PROGRESS", {"rows": rows})
            scores = spark.sql(job["sql"]).withColumn("model_version", F.lit(job["modelVersion"])).withColumn(
                "scored_at", F.lit(job["scoredAt"]).cast("timestamp"))
            scores.write.mode("errorifexists").parquet(job["output"])
        except AnalysisException as err:
            fail(EXIT_INPUT, "input", first_line(err), table=job["table"])
        except Exception as err:  # a Py4J error: the job failed on the cluster
            fail(EXIT_JOB, "job", first_line(err))
        say("DONE", {"rows": rows})
    finally:
        stop.set()
        spark.stop()


if __name__ == "__main__":
    main()
