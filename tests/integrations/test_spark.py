"""promotor.integrations.spark on a real Spark in local[2] mode (a JVM and Python worker
processes; Java from Debian's openjdk-17-jre-headless): the same money as
engine.evaluate_batch on one machine."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")
pytest.importorskip("pyspark")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

import promotor as pm  # noqa: E402
from promotor import datasets  # noqa: E402
from promotor.integrations import spark as pm_spark  # noqa: E402

from .conftest import assert_same  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        pytest.skip("Spark needs a Java runtime: `make system-deps` installs Debian's JDK")
    env = {
        # the Python workers must be this interpreter, which has promotor installed
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("promotor-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # several Arrow batches per partition, so the iterator of batches is exercised
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "400")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_arrow_batches_priced_in_workers_equal_one_machine(
    spark: Any, engine: pm.Engine, nested: Any, expected: Any
) -> None:
    df = spark.createDataFrame(nested)
    assert df.rdd.getNumPartitions() >= 2
    priced = pm_spark.evaluate(engine, df)
    assert priced.schema["total"].dataType == T.DecimalType(18, 2)
    assert_same(priced.toArrow(), expected)


def test_lines_table_is_nested_in_line_order(
    spark: Any, engine: pm.Engine, sample: datasets.Sample, nested: Any, expected: Any
) -> None:
    orders = spark.createDataFrame(sample.orders)
    lines = spark.createDataFrame(sample.lines)  # in order, over several partitions
    assert lines.rdd.getNumPartitions() >= 2
    together = pm_spark.nest(orders, lines).select("order_id", "items").toArrow()
    assert together.sort_by("order_id")["items"].to_pylist() == nested["items"].to_pylist()
    assert_same(pm_spark.evaluate(engine, orders, lines).toArrow(), expected)


def test_string_order_ids_and_minor_units(spark: Any, engine: pm.Engine, nested: Any) -> None:
    ids = pc.binary_join_element_wise("o-", nested["order_id"].cast(pa.string()), "")
    renamed = nested.set_column(0, "order_id", ids)
    priced = pm_spark.evaluate(engine, spark.createDataFrame(renamed), money="minor")
    assert priced.schema["order_id"].dataType == T.StringType()
    assert priced.schema["total_minor"].dataType == T.LongType()
    with pytest.raises(pm.InputError, match="needs an order_id column"):
        pm_spark.evaluate(engine, spark.createDataFrame(nested.drop_columns(["order_id"])))
    want = engine.evaluate_batch(renamed, money="minor")
    assert priced.toArrow().sort_by("order_id").to_pylist() == want.sort_by("order_id").to_pylist()


def test_schema_is_declared_with_the_engine_currency_places() -> None:
    kwd = pm.Engine(datasets.black_friday_campaigns(), currency="KWD")
    assert pm_spark.schema(kwd, T.LongType()) == T.StructType(
        [
            T.StructField("order_id", T.LongType(), True),
            *(
                T.StructField(name, T.DecimalType(18, 3), False)
                for name in ("subtotal", "discount", "shipping_discount", "total")
            ),
            T.StructField("applied", T.ArrayType(T.StringType(), True), False),
        ]
    )
