"""The tests' hands in Python: one long-lived process per test file, holding one local Spark session.

Reads one JSON request per line on stdin and answers each with one line `HARNESS {json}` on stdout:
  {"op": "sql", "views": {name: parquet}, "sql": text}    -> the statement's rows, by column
  {"op": "mlflow_predict", "model": dir, "parquet": file, "drop": [columns]}
                                                           -> mlflow.pyfunc.load_model(dir).predict(df)
  {"op": "mlflow_spark_udf", "model": dir, "parquet": file, "id": column}
                                                           -> mlflow.pyfunc.spark_udf over a Spark DataFrame
Errors are answered as {"error": message}.
"""
import json
import sys
import traceback

_spark = None


def spark():
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession
        _spark = (SparkSession.builder.master("local[2]").appName("rebuy tests")
                  .config("spark.driver.memory", "1g").config("spark.ui.enabled", "false")
                  .config("spark.sql.shuffle.partitions", "4").getOrCreate())
        _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def columns_of(frame):
    return {name: frame[name].tolist() for name in frame.columns}


def run_sql(request):
    session = spark()
    for name, path in request["views"].items():
        session.read.parquet(path).createOrReplaceTempView(name)
    return {"columns": columns_of(session.sql(request["sql"]).toPandas())}


def mlflow_predict(request):
    import mlflow.pyfunc
    import pandas as pd
    model = mlflow.pyfunc.load_model(request["model"])
    frame = pd.read_parquet(request["parquet"]).drop(columns=request.get("drop", []))
    result = model.predict(frame)
    values = result.iloc[:, 0] if hasattr(result, "iloc") and getattr(result, "ndim", 1) == 2 else result
    return {"type": type(result).__name__, "values": [float(v) for v in list(values)]}


def mlflow_spark_udf(request):
    import mlflow.pyfunc
    from pyspark.sql import functions as F
    frame = spark().read.parquet(request["parquet"])
    udf = mlflow.pyfunc.spark_udf(spark(), model_uri=request["model"], result_type="double", env_manager="local")
    inputs = [c for c in frame.columns if c != request["id"]]
    scored = frame.select(F.col(request["id"]).cast("string").alias("id"), udf(F.struct(*inputs)).alias("probability"))
    return {"columns": columns_of(scored.toPandas())}


OPS = {"sql": run_sql, "mlflow_predict": mlflow_predict, "mlflow_spark_udf": mlflow_spark_udf}

for line in sys.stdin:
    request = json.loads(line)
    try:
        answer = OPS[request["op"]](request)
    except Exception as err:  # answered, so that the test shows Python's own words
        answer = {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()[-3000:]}
    sys.stdout.write("HARNESS " + json.dumps(answer) + "\n")
    sys.stdout.flush()
if _spark is not None:
    _spark.stop()
