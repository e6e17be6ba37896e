"""pm.codes.generate: patterns, charsets, prefix and suffix, seeds, no repeats within a batch or
against existing codes, and the guessability check with its numbers."""

from __future__ import annotations

import math
import re
import time

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

import promotor as pm
from promotor.errors import InputError, RuleError


def test_each_hash_is_a_character_of_the_default_charset_and_the_rest_is_literal() -> None:
    codes = pm.codes.generate("BF-####-####", count=2000)
    assert len(codes) == 2000
    assert len(set(codes)) == 2000
    shape = re.compile(r"BF-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
    assert all(shape.fullmatch(c) for c in codes)
    used = set("".join(c[3:7] + c[8:] for c in codes))
    assert used == set(pm.codes.DEFAULT_CHARSET)  # 16,000 draws reach all 32 characters
    assert not used & set("0O1I")


def test_prefix_and_suffix_are_literal_even_with_hashes() -> None:
    [code] = pm.codes.generate("####", prefix="#1-", suffix="-EU", charset="XY", min_guess_bits=0)
    assert code.startswith("#1-")
    assert code.endswith("-EU")
    assert set(code[3:7]) <= {"X", "Y"}


def test_a_seed_reproduces_a_batch_and_no_seed_never_does() -> None:
    a = pm.codes.generate("SP-########", count=100, seed=42)
    assert a == pm.codes.generate("SP-########", count=100, seed=42)
    assert a != pm.codes.generate("SP-########", count=100, seed=43)
    assert pm.codes.generate("SP-########", count=100) != pm.codes.generate(
        "SP-########", count=100
    )
    # A larger batch of the same seed starts with the smaller one.
    assert pm.codes.generate("SP-########", count=300, seed=42)[:100] == a


def test_the_whole_space_is_drawn_without_a_repeat() -> None:
    codes = pm.codes.generate("#######", charset="AB", count=128, min_guess_bits=0, seed=1)
    assert sorted(codes) == sorted(
        "".join("AB"[(n >> i) & 1] for i in range(7)) for n in range(128)
    )


def test_existing_codes_are_skipped_by_their_normalised_key() -> None:
    # 64 codes in all; the pool has 16 of them in other spellings, we ask for the other 48.
    space = ["".join(p) for p in _product("AB", 6)]
    pool = [c.lower() for c in space[:8]] + [f" {c} " for c in space[8:12]]
    pool += ["".join(chr(ord(ch) + 0xFEE0) for ch in c) for c in space[12:16]]  # full width
    codes = pm.codes.generate("######", charset="AB", count=48, existing=pool, min_guess_bits=0)
    assert sorted(codes) == sorted(space[16:])


def _product(chars: str, n: int) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for _ in range(n):
        out = [(*p, c) for p in out for c in chars]
    return out


def test_non_ascii_patterns_compare_by_key() -> None:
    pool = ["STRASSE-ÄÄÄ"]
    codes = pm.codes.generate(
        "###", prefix="Straße-", charset="ÄÖÜ", count=26, existing=pool, min_guess_bits=0
    )
    keys = {pm.codes.normalize(c) for c in codes}
    assert len(keys) == 26
    assert pm.codes.normalize(pool[0]) not in keys


def test_a_pattern_too_small_is_refused_with_its_numbers() -> None:
    with pytest.raises(RuleError) as info:
        pm.codes.generate("BF-####", count=1000)
    [error] = info.value.errors()
    assert error["type"] == "pattern_too_small"
    assert error["loc"] == ("pattern",)
    assert error["ctx"] == {
        "random": 4,
        "charset": 32,
        "space": 1_048_576,
        "live": 1000,
        "bits": "10.0",
        "min_bits": 20,
        "random_needed": 6,
    }
    assert "1,048,576 codes for 1,000 live codes" in error["msg"]
    assert "use 6 or more random characters" in error["msg"]
    assert len(pm.codes.generate("BF-######", count=1000)) == 1000


def test_live_codes_are_the_pool_after_the_generation() -> None:
    # 32^4 = 2^20: room for exactly one live code at 20 bits.
    assert len(pm.codes.generate("####")) == 1
    with pytest.raises(RuleError) as info:
        pm.codes.generate("####", existing=["AAAA"])
    assert info.value.errors()[0]["ctx"]["live"] == 2
    assert len(pm.codes.generate("####", existing=["AAAA"], min_guess_bits=19)) == 1


@given(
    charset=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=2, max_size=32).filter(
        lambda s: len(set(s)) == len(s)
    ),
    random=st.integers(1, 30),
    count=st.integers(0, 50),
    existing=st.integers(0, 20),
    bits=st.integers(0, 40),
)
def test_property_guessability_is_exactly_the_rule(
    charset: str, random: int, count: int, existing: int, bits: int
) -> None:
    space = len(charset) ** random
    live = existing + count
    pool = [f"x{i}" for i in range(existing)]
    if space >= live * 2**bits:
        codes = pm.codes.generate(
            "#" * random, count=count, charset=charset, existing=pool, min_guess_bits=bits
        )
        assert len(set(codes)) == count
    else:
        with pytest.raises(RuleError) as info:
            pm.codes.generate(
                "#" * random, count=count, charset=charset, existing=pool, min_guess_bits=bits
            )
        ctx = info.value.errors()[0]["ctx"]
        assert (ctx["space"], ctx["live"]) == (space, live)
        assert len(charset) ** ctx["random_needed"] >= live * 2**bits
        assert len(charset) ** (ctx["random_needed"] - 1) < live * 2**bits
        assert ctx["bits"] == f"{math.log2(space / live):.1f}"


@given(
    pattern=st.text(alphabet="AB-#", min_size=1, max_size=12).filter(lambda p: "#" in p),
    prefix=st.text(alphabet="xy#-", max_size=3),
    seed=st.integers(0, 2**64 - 1),
    count=st.integers(0, 40),
    pool=st.lists(st.text(alphabet="ABXYab#-", max_size=14), max_size=30),
)
def test_property_codes_are_distinct_fit_the_pattern_and_avoid_the_pool(
    pattern: str, prefix: str, seed: int, count: int, pool: list[str]
) -> None:
    charset = "ABCD"
    space = len(charset) ** pattern.count("#")
    if space < len(pool) + count:
        return

    def generate() -> list[str]:
        return pm.codes.generate(
            pattern,
            count=count,
            charset=charset,
            prefix=prefix,
            seed=seed,
            existing=pool,
            min_guess_bits=0,
        )

    codes = generate()
    shape = re.compile(
        re.escape(prefix) + "".join("[ABCD]" if c == "#" else re.escape(c) for c in pattern)
    )
    assert all(shape.fullmatch(c) for c in codes)
    keys = [pm.codes.normalize(c) for c in codes]
    assert len(set(keys)) == count
    assert not set(keys) & {pm.codes.normalize(p) for p in pool}
    assert codes == generate()  # the same seed, the same codes


def test_charsets_must_be_distinct_once_normalised() -> None:
    with pytest.raises(RuleError) as info:
        pm.codes.generate("########", charset="abcA")
    [error] = info.value.errors()
    assert error["loc"] == ("charset",)
    assert "'a' and 'A' are the same character once normalised" in error["msg"]
    with pytest.raises(RuleError, match="reads as 'ss'"):
        pm.codes.generate("########", charset="abß")
    with pytest.raises(RuleError, match="at least 2 characters"):
        pm.codes.generate("########", charset="a")


def test_bad_arguments_are_located() -> None:
    with pytest.raises(RuleError) as info:
        pm.codes.generate("BLCKFRDY", count=10_000_001)
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [
        (("count",), "too_large"),
        (("pattern",), "invalid"),
    ]
    with pytest.raises(RuleError) as info:
        pm.codes.generate("####", count=-1)
    assert info.value.errors()[0]["loc"] == ("count",)
    with pytest.raises(RuleError) as info:
        pm.codes.generate("####", seed=-5)
    assert info.value.errors()[0]["loc"] == ("seed",)
    with pytest.raises(RuleError) as info:
        pm.codes.generate("BF-##\u200b##")
    [error] = info.value.errors()
    assert (error["type"], error["loc"], error["ctx"]["position"]) == (
        "invisible_character",
        ("pattern",),
        5,
    )
    with pytest.raises(InputError) as info_input:
        pm.codes.generate("########", existing=["OK", 7])
    assert info_input.value.errors()[0]["loc"] == ("existing", 1)
    with pytest.raises(InputError) as info_input:
        pm.codes.generate("########", existing=["OK", "B\u202eF"])
    [error] = info_input.value.errors()
    assert (error["loc"], error["ctx"]) == (("existing", 1), {"position": 1, "character": "U+202E"})


def test_zero_codes_is_an_empty_list() -> None:
    assert pm.codes.generate("########", count=0) == []


def test_arrow_gives_a_string_array() -> None:
    codes = pm.codes.generate("BF-########", count=1000, seed=5, arrow=True)
    assert isinstance(codes, pa.StringArray)
    assert codes.null_count == 0
    assert codes.to_pylist() == pm.codes.generate("BF-########", count=1000, seed=5)
    assert pc.count_distinct(codes).as_py() == 1000
    assert len(pm.codes.generate("########", count=0, arrow=True)) == 0
    # An Arrow array is a pool too.
    more = pm.codes.generate(
        "####", charset="AB", count=12, existing=pa.array(["AAAA", "abab"]), min_guess_bits=0
    )
    assert not {"AAAA", "ABAB"} & set(more)


@pytest.mark.slow
def test_ten_million_codes_have_no_duplicate() -> None:
    start = time.perf_counter()
    # Ten random characters: 2^50 codes, one random guess in 2^26.7 hits one of 10 million.
    codes = pm.codes.generate("BF-#####-#####", count=10_000_000, arrow=True)
    generated = time.perf_counter() - start
    assert len(codes) == 10_000_000
    # Distinct once normalised: the keys of ASCII codes are the lower-cased codes.
    assert pc.count_distinct(pc.utf8_lower(codes)).as_py() == 10_000_000
    print(f"\n10,000,000 codes in {generated:.2f} s, no duplicate")
