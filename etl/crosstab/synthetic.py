"""A SYNTHETIC file of entry and exit records, for tests, benchmarks and the explorer's demo.

Realistic in shape, not in content: movement (entry/exit), date over 2019–2024 with
seasonality and the 2020 closures, recording country, real ports of entry (codes and
names in ``etl/crosstab/microdata.yaml``), nationality with a skewed distribution (own nationals,
neighbours, a long tail), sex, age group, admin-1 of residence for residents (weighted by
real vendored populations for Mexico and Honduras), purpose of travel.

Vectorised numpy with a fixed seed and a fixed chunk size: the same ``records`` and
``seed`` give the same records. Written to Parquet in chunks (10 million records in a few
seconds). Everything it makes says SYNTHETIC: the file name, the Parquet metadata
(``synthetic=true``) and the dataset title in the store.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import geodata
from common.yamlfile import load_yaml
from geodata import paths

PARAMS_PATH = Path(__file__).resolve().with_name("synthetic_entry_exit.yaml")
CODEBOOK_PATH = Path(__file__).resolve().with_name("microdata.yaml")
CHUNK = 1_000_000
EPOCH = np.datetime64("1970-01-01", "D")
NOT_APPLICABLE = "_Z"
COLUMNS = (
    "record_id",
    "movement",
    "date",
    "country",
    "port",
    "port_type",
    "nationality",
    "sex",
    "age_group",
    "residence",
    "purpose",
)
POPULATION_FILES = {
    "MEX": paths.VENDOR / "admin1_stats" / "mex_inegi_census2020_population_by_state.csv",
    "HND": paths.VENDOR / "admin1_stats" / "hnd_ine_population_projection_2019_by_department.csv",
}


@dataclass(frozen=True)
class Category:
    """A categorical distribution: codes and their probabilities (summing to 1)."""

    codes: tuple[str, ...]
    p: np.ndarray

    @classmethod
    def from_weights(cls, weights: Mapping[str, float]) -> Category:
        codes = tuple(weights)
        w = np.array([float(weights[c]) for c in codes])
        if not len(w) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must be non-negative with a positive sum, got {dict(weights)}")
        return cls(codes, w / w.sum())


@dataclass(frozen=True)
class CountryModel:
    """Where one recording country's travellers enter, come from and live."""

    ports: Category
    nationals: float
    foreign: Category
    residence: Category


@dataclass(frozen=True)
class GeneratorModel:
    countries: Category
    by_country: Mapping[str, CountryModel]
    port_type: Mapping[str, str]
    year_month: Category  # codes "YYYY-MM"
    ages: Category
    female_share: float
    entry_share: float
    resident_national: float
    resident_foreign: float
    purposes_resident: Category
    purposes_visitor: Category
    seed: int


def synthetic_file_name(records: int, seed: int) -> str:
    """``synthetic_entry_exit_<records>_seed<seed>.parquet``: the label is in the name."""
    return f"synthetic_entry_exit_{records}_seed{seed}.parquet"


@functools.lru_cache(maxsize=2)
def load_params(path: Path = PARAMS_PATH) -> dict:
    return load_yaml(path)


@functools.lru_cache(maxsize=2)
def load_ports(path: Path = CODEBOOK_PATH) -> pd.DataFrame:
    """The port-of-entry codelist of the codebook: code, country, type, names."""
    return pd.DataFrame(load_yaml(path)["codelists"]["port_of_entry"])


def _residence_weights(country: str, params: Mapping) -> dict[str, float]:
    gaz = geodata.gazetteer()
    units = gaz[(gaz.level == "admin1") & (gaz.parent_code == country) & (gaz.status == "current")]
    codes = sorted(units.geo_code)
    if country in POPULATION_FILES:
        pop = pd.read_csv(POPULATION_FILES[country], dtype={"iso_3166_2": str})
        weights = dict(zip(pop.iso_3166_2, pop.pop_total.astype(float)))
        missing = [c for c in codes if c not in weights]
        return {c: weights.get(c, 0.0) for c in codes} if not missing else {c: 1.0 for c in codes}
    capital = params["capitals"][country]
    rest = (1 - params["capital_share"]) / max(len(codes) - 1, 1)
    return {c: params["capital_share"] if c == capital else rest for c in codes}


def _foreign_weights(country: str, params: Mapping, universe: list[str]) -> dict[str, float]:
    weights = {c: float(w) for c, w in params["foreign"].items()}
    for c, w in params["neighbours"].get(country, {}).items():
        weights[c] = weights.get(c, 0.0) + float(w)
    tail = [c for c in universe if c not in weights]
    zipf = 1.0 / np.arange(1, len(tail) + 1) ** 1.1
    weights.update(dict(zip(tail, params["long_tail_weight"] * zipf / zipf.sum())))
    weights.pop(country, None)
    return {c: w for c, w in weights.items() if c in set(universe)}


def build_model(params: Mapping | None = None, seed: int | None = None) -> GeneratorModel:
    """The generator's distributions from ``synthetic_entry_exit.yaml`` and the codebook."""
    params = params or load_params()
    ports = load_ports()
    gaz = geodata.gazetteer()
    universe = sorted(gaz.geo_code[(gaz.level == "country") & (gaz.status == "current")])
    unknown = sorted(set(params["ports"]) ^ set(ports.code))
    if unknown:
        raise ValueError(f"{PARAMS_PATH.name} and {CODEBOOK_PATH.name} disagree on ports: {unknown}")
    by_country = {}
    for country in params["countries"]:
        own = ports[ports.country == country].code
        by_country[country] = CountryModel(
            Category.from_weights({c: params["ports"][c] for c in own}),
            float(params["nationals"][country]),
            Category.from_weights(_foreign_weights(country, params, universe)),
            Category.from_weights(_residence_weights(country, params)),
        )
    ym = {}
    for year, wy in params["years"].items():
        for month, wm in enumerate(params["months"], start=1):
            shock = params["shock_2020"].get(month, 1.0) if int(year) == 2020 else 1.0
            ym[f"{int(year):04d}-{month:02d}"] = wy * wm * shock
    return GeneratorModel(
        Category.from_weights(params["countries"]),
        by_country,
        dict(zip(ports.code, ports.type)),
        Category.from_weights(ym),
        Category.from_weights(params["ages"]),
        float(params["female_share"]),
        float(params["entry_share"]),
        float(params["resident"]["national"]),
        float(params["resident"]["foreign"]),
        Category.from_weights(params["purposes"]["resident"]),
        Category.from_weights(params["purposes"]["visitor"]),
        int(params["seed"] if seed is None else seed),
    )


def _draw(rng: np.random.Generator, cat: Category, size: int) -> np.ndarray:
    return rng.choice(len(cat.codes), size=size, p=cat.p).astype(np.int32)


def _dictionary(indices: np.ndarray, codes: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, type=pa.int32()), pa.array(codes, type=pa.string()))


def build_chunk(model: GeneratorModel, rng: np.random.Generator, first_id: int, size: int) -> pa.Table:
    """``size`` synthetic records (ids from ``first_id``) as an Arrow table of coded columns."""
    nat_codes = sorted({c for m in model.by_country.values() for c in m.foreign.codes} | set(model.by_country))
    nat_index = {c: i for i, c in enumerate(nat_codes)}
    res_codes = [NOT_APPLICABLE, *sorted({c for m in model.by_country.values() for c in m.residence.codes})]
    res_index = {c: i for i, c in enumerate(res_codes)}
    port_codes = sorted(model.port_type)
    port_index = {c: i for i, c in enumerate(port_codes)}
    country = _draw(rng, model.countries, size)
    port = np.empty(size, np.int32)
    nationality = np.empty(size, np.int32)
    resident = np.empty(size, bool)
    residence = np.zeros(size, np.int32)
    for ci, code in enumerate(model.countries.codes):
        sel = np.flatnonzero(country == ci)
        k, m = len(sel), model.by_country[code]
        port[sel] = np.array([port_index[c] for c in m.ports.codes], np.int32)[_draw(rng, m.ports, k)]
        national = rng.random(k) < m.nationals
        foreign = np.array([nat_index[c] for c in m.foreign.codes], np.int32)[_draw(rng, m.foreign, k)]
        nationality[sel] = np.where(national, nat_index[code], foreign)
        is_resident = np.where(
            national, rng.random(k) < model.resident_national, rng.random(k) < model.resident_foreign
        )
        resident[sel] = is_resident
        units = np.array([res_index[c] for c in m.residence.codes], np.int32)[_draw(rng, m.residence, k)]
        residence[sel] = np.where(is_resident, units, 0)
    ym = np.array(model.year_month.codes)[_draw(rng, model.year_month, size)]
    month_start = ym.astype("datetime64[M]")
    days = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(int)
    date = month_start.astype("datetime64[D]") + (rng.random(size) * days).astype(int)
    purpose_codes = sorted(set(model.purposes_resident.codes) | set(model.purposes_visitor.codes))
    p_index = {c: i for i, c in enumerate(purpose_codes)}
    p_res = np.array([p_index[c] for c in model.purposes_resident.codes], np.int32)[
        _draw(rng, model.purposes_resident, size)
    ]
    p_vis = np.array([p_index[c] for c in model.purposes_visitor.codes], np.int32)[
        _draw(rng, model.purposes_visitor, size)
    ]
    type_codes = sorted(set(model.port_type.values()))
    port_type = np.array([type_codes.index(model.port_type[c]) for c in port_codes], np.int32)[port]
    columns = {
        "record_id": pa.array(np.arange(first_id, first_id + size, dtype=np.int64)),
        "movement": _dictionary((rng.random(size) >= model.entry_share).astype(np.int32), ["ENT", "EXT"]),
        "date": pa.array((date - EPOCH).astype(np.int32), type=pa.date32()),
        "country": _dictionary(country, list(model.countries.codes)),
        "port": _dictionary(port, port_codes),
        "port_type": _dictionary(port_type, type_codes),
        "nationality": _dictionary(nationality, nat_codes),
        "sex": _dictionary((rng.random(size) >= model.female_share).astype(np.int32), ["F", "M"]),
        "age_group": _dictionary(_draw(rng, model.ages, size), list(model.ages.codes)),
        "residence": _dictionary(residence, res_codes),
        "purpose": _dictionary(np.where(resident, p_res, p_vis), purpose_codes),
    }
    return pa.table(columns)


def build_synthetic_entry_exit(records: int, seed: int | None = None) -> Iterator[pa.Table]:
    """The records in chunks of ``CHUNK`` (deterministic for a given ``records`` and ``seed``)."""
    if not isinstance(records, int) or records < 1:
        raise ValueError(f"records must be a positive integer, got {records!r}")
    model = build_model(seed=seed)
    rng = np.random.default_rng(model.seed)
    for first in range(0, records, CHUNK):
        yield build_chunk(model, rng, first + 1, min(CHUNK, records - first))


def write_synthetic_entry_exit(path: Path, records: int, seed: int | None = None) -> Path:
    """Write the SYNTHETIC file to ``path`` (atomically: a temporary file, then a rename)."""
    seed = int(load_params()["seed"] if seed is None else seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writer = None
    try:
        for table in build_synthetic_entry_exit(records, seed):
            if writer is None:
                meta = {
                    b"synthetic": b"true",
                    b"generator": b"etl/crosstab/synthetic.py",
                    b"seed": str(seed).encode(),
                    b"records": str(records).encode(),
                    b"title": b"SYNTHETIC entry and exit records (generated, not real)",
                }
                writer = pq.ParquetWriter(tmp, table.schema.with_metadata(meta), compression="zstd")
            writer.write_table(table)
        writer.close()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def ensure_synthetic_entry_exit(directory: Path, records: int, seed: int | None = None) -> Path:
    """The SYNTHETIC file in ``directory``, generated only when it is not there yet."""
    seed = int(load_params()["seed"] if seed is None else seed)
    path = Path(directory) / synthetic_file_name(records, seed)
    if not path.exists():
        write_synthetic_entry_exit(path, records, seed)
    return path
