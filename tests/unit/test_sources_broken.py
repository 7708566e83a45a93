"""Readers on small files written into tmp_path: broken files fail with a message naming the file and
the problem; edge cases of each source are handled as documented. Files here are cut from the real
vendored files (their first lines) or hand-made and labelled synthetic."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from etl.sources import (
    cbp_nationwide_states,
    cbp_southwest_encounters,
    gtm_returned_nationals,
    hnd_irregular_arrivals_nationality,
    iom_missing_migrants,
    mex_conapo_migration_quinquennial,
    pan_darien_transit_demography,
    pan_darien_transit_nationality,
    undesa_ims2024,
    unhcr_flows,
    usbp_sectors,
    wb_population,
    wpp2024_demography,
)
from etl.sources._common import SourceFormatError, load_table, sum_duplicate_keys

VENDOR = Path(__file__).resolve().parents[2] / "vendor"
READERS = [
    undesa_ims2024,
    unhcr_flows,
    wpp2024_demography,
    cbp_southwest_encounters,
    pan_darien_transit_nationality,
    mex_conapo_migration_quinquennial,
    usbp_sectors,
]


def head(module, lines: int = 6) -> list[str]:
    """The first lines of a reader's real vendored file."""
    path = VENDOR.parent / module.DATASET["vendored_path"]
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8").splitlines()[:lines]


def write(tmp_path: Path, lines: list[str], name: str = "source.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def sep_of(module) -> str:
    return "|" if module is usbp_sectors else ","


# --- broken files: every reader fails the same way, naming the file ------------------------------


@pytest.mark.parametrize("module", READERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_a_renamed_column_is_named_in_the_error(tmp_path, module):
    lines = head(module)
    sep = sep_of(module)
    columns = lines[0].split(sep)
    lines[0] = sep.join([columns[0] + "_renamed", *columns[1:]])
    path = write(tmp_path, lines)
    with pytest.raises(SourceFormatError) as err:
        module.read(path)
    assert str(path) in str(err.value) and "renamed" in str(err.value) and columns[0] in str(err.value)


@pytest.mark.parametrize("module", READERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_an_extra_column_is_an_error(tmp_path, module):
    sep = sep_of(module)
    lines = [line + f"{sep}extra" for line in head(module)]
    path = write(tmp_path, lines)
    with pytest.raises(SourceFormatError, match="unexpected column.*extra") as err:
        module.read(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("module", READERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("content,problem", [(b"", "is empty"), (b"\n\n  \n", "is empty")])
def test_an_empty_file_is_an_error(tmp_path, module, content, problem):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(SourceFormatError, match=problem) as err:
        module.read(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("module", READERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_a_header_without_rows_is_an_error(tmp_path, module):
    path = write(tmp_path, head(module, 1))
    with pytest.raises(SourceFormatError, match="no data rows"):
        module.read(path)


@pytest.mark.parametrize("module", READERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_wrong_encoding_is_an_error(tmp_path, module, encoding):
    lines = head(module)
    lines[1] = lines[1].replace(lines[1].split(sep_of(module))[1], "Panamá", 1)  # a non-ASCII character
    path = write(tmp_path, lines, encoding=encoding)
    with pytest.raises(SourceFormatError, match="(not valid utf-8|NUL bytes)") as err:
        module.read(path)
    assert str(path) in str(err.value)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SourceFormatError, match="file not found"):
        undesa_ims2024.read(tmp_path / "nothing.csv")


def test_a_row_with_too_many_fields_names_its_line(tmp_path):
    lines = head(undesa_ims2024)
    lines[3] += ",99"
    with pytest.raises(SourceFormatError, match="line 4 has 10"):
        undesa_ims2024.read(write(tmp_path, lines))


def test_a_non_numeric_value_names_column_value_and_line(tmp_path):
    lines = head(undesa_ims2024)
    fields = lines[2].split(",")
    lines[2] = ",".join([*fields[:4], "n/a", *fields[5:]])
    expected = r"column 'n' has 1 non-numeric value\(s\) \['n/a'\] at line\(s\) \[3\]"
    with pytest.raises(SourceFormatError, match=expected):
        undesa_ims2024.read(write(tmp_path, lines))


def test_an_unknown_territory_code_lists_the_closest_valid_ones(tmp_path):
    lines = head(undesa_ims2024)
    lines[1] = lines[1].replace("ABW", "XYZ", 1)
    with pytest.raises(SourceFormatError, match="dest_iso3.*'XYZ' \\(line 2; Unknown territory"):
        undesa_ims2024.read(write(tmp_path, lines))


def test_an_unknown_category_is_an_error(tmp_path):
    lines = head(undesa_ims2024)
    lines[1] = lines[1].replace("female", "both")
    with pytest.raises(SourceFormatError, match="column 'sex' has unknown value"):
        undesa_ims2024.read(write(tmp_path, lines))


def test_a_corrupt_gzip_is_an_error(tmp_path):
    path = tmp_path / "states.csv.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(SourceFormatError, match="not a valid gzip"):
        cbp_nationwide_states.read(path)


def test_duplicate_source_rows_are_an_error(tmp_path):
    lines = head(undesa_ims2024)
    with pytest.raises(SourceFormatError, match="repeat the key"):
        undesa_ims2024.read(write(tmp_path, [*lines, lines[1]]))


def test_load_table_accepts_columns_in_another_order_and_a_bom(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffb,a\n1,2\n".encode())
    frame = load_table(path, ["a", "b"])
    assert frame.to_dict("records") == [{"b": "1", "a": "2"}]


# --- edge cases of each source (synthetic rows, labelled) ------------------------------------------


def test_undesa_does_not_invent_missing_pairs_and_keeps_flags(tmp_path):
    # synthetic: one origin with both sexes, one imputed origin with only one sex
    lines = [
        "year,dest_iso3,orig_iso3,sex,n,type_b,type_c,type_r,type_i",
        "2024,CRI,NIC,female,10,1,0,1,0",
        "2024,CRI,NIC,male,0,1,0,1,0",
        "2024,CRI,OOO,male,5,0,0,0,1",
    ]
    out = undesa_ims2024.read(write(tmp_path, lines))
    assert len(out) == 3  # the missing female row for OOO is "not estimated": not created, never 0
    assert out.set_index(["counterpart_area", "sex"])["value"].to_dict() == {
        ("NIC", "F"): 10.0,
        ("NIC", "M"): 0.0,
        ("_X", "M"): 5.0,
    }
    assert set(out.loc[out.counterpart_area == "_X", ["dim_1", "obs_status"]].itertuples(index=False)) == {
        ("imputed", "I")
    }
    assert set(out.loc[out.counterpart_area == "NIC", "dim_2"]) == {"added"}


def test_darien_years_before_2020_are_annual_and_must_be_under_january(tmp_path):
    # synthetic rows in the source's layout
    header = "month,nationality_iso3,n,quarter_start"
    out = pan_darien_transit_nationality.read(
        write(tmp_path, [header, "2019-01,HTI,7.0,2019-01-01", "2020-03,HTI,2.0,2020-01-01"])
    )
    assert out[["time_period", "freq"]].values.tolist() == [["2019", "A"], ["2020-03", "M"]]
    assert str(out.time_start[0].date()) == "2019-01-01" and str(out.time_end[0].date()) == "2019-12-31"
    with pytest.raises(SourceFormatError, match="not under January"):
        pan_darien_transit_nationality.read(write(tmp_path, [header, "2019-05,HTI,7.0,2019-04-01"]))
    with pytest.raises(SourceFormatError, match="quarter_start"):
        pan_darien_transit_nationality.read(write(tmp_path, [header, "2021-05,HTI,7.0,2021-01-01"]))


def test_darien_demography_before_2023_has_no_age_split(tmp_path):
    # synthetic: a 2022 month (men/women only) and a 2023 month (with boys/girls)
    lines = [
        "month,demog,n,quarter_start",
        "2022-01,men,5,2022-01-01",
        "2022-01,women,4,2022-01-01",
        "2023-01,men,3,2023-01-01",
        "2023-01,boys,1,2023-01-01",
        "2023-01,women,2,2023-01-01",
        "2023-01,girls,1,2023-01-01",
    ]
    out = pan_darien_transit_demography.read(write(tmp_path, lines))
    ages = out.set_index(["time_period", "sex"]).groupby(level=[0, 1])["age"].apply(set).to_dict()
    assert ages[("2022-01", "M")] == {"_T"}
    assert ages[("2023-01", "M")] == {"Y_GE18", "Y_LT18"}


def test_cbp_empty_citizenship_is_no_breakdown_and_other_is_unknown(tmp_path):
    # synthetic rows in the CBP layout
    header = head(cbp_southwest_encounters, 1)[0]
    lines = [
        header,
        "2017-10-01,2018-10-01,U.S. Border Patrol,,Title 8,Apprehensions,FMUA,,10.0",
        "2022-10-01,2023-10-01,Office of Field Operations,Laredo Field Office,Title 8,Inadmissibles,"
        "Single Adults,OOO,3.0",
    ]
    out = cbp_southwest_encounters.read(write(tmp_path, lines))
    got = out.set_index("time_period")[["counterpart_area", "dim_1", "dim_2"]].to_dict("index")
    assert got["2017-10"] == {"counterpart_area": "_Z", "dim_1": "usbp", "dim_2": "_T"}
    assert got["2022-10"] == {"counterpart_area": "_X", "dim_1": "ofo", "dim_2": "laredo_field_office"}
    lines[1] = lines[1].replace("2018-10-01", "2017-10-01")
    with pytest.raises(SourceFormatError, match="fiscal year"):
        cbp_southwest_encounters.read(write(tmp_path, lines))


def test_cbp_state_file_months_of_the_fiscal_year_become_calendar_months(tmp_path):
    # synthetic rows in the CBP state-file layout
    header = head(cbp_nationwide_states, 1)[0]
    lines = [
        header,
        "2020,FYTD,OCT,Southwest Land Border,TX,FMUA,OTHER,Title 8,4",
        '2020,FYTD,JAN,Other,PR,Single Adults,"CHINA, PEOPLES REPUBLIC OF",Title 42,1',
    ]
    path = tmp_path / "states.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    out = cbp_nationwide_states.read(path)
    got = out.set_index("time_period")[["ref_area", "counterpart_area"]].to_dict("index")
    assert got == {
        "2019-10": {"ref_area": "US-TX", "counterpart_area": "_X"},
        "2020-01": {"ref_area": "PRI", "counterpart_area": "CHN"},
    }


def test_usbp_sector_totals_must_add_up(tmp_path):
    lines = head(usbp_sectors, 3)
    fields = lines[1].split("|")
    fields[1] = str(int(fields[1]) + 1)  # livermore off by one against coastal_border
    lines[1] = "|".join(fields)
    with pytest.raises(SourceFormatError, match="coastal_border differs from the sum of its parts"):
        usbp_sectors.read(write(tmp_path, lines))


def test_usbp_months_are_calendar_months_of_their_fiscal_year(tmp_path):
    out = usbp_sectors.read(write(tmp_path, head(usbp_sectors, 5)))
    assert sorted(out.time_period.unique()) == ["1999-10", "1999-11", "1999-12", "2000-01"]
    assert out.groupby("time_period")["value"].sum()["1999-10"] == 94_391  # the file's monthly total


def test_codes_that_merge_in_one_month_are_added_up_and_counted(tmp_path):
    # synthetic: three source categories coded OOO, UNK and STL in one month. Honduras' STL labels are not
    # statelessness (MENGIN, DAHAR, CACHEMIRA, "REFUGEE, ARTICLE 1"): all three are "other/unknown" (was XXA).
    lines = ["month,nationality_iso3,n", "2023-03,OOO,5.0", "2023-03,UNK,2.0", "2023-03,STL,1.0"]
    out = hnd_irregular_arrivals_nationality.read(write(tmp_path, lines))
    assert out.set_index("counterpart_area")["value"].to_dict() == {"_X": 8.0}
    assert out.attrs["notes"] == {"rows_added_up_same_code_and_month": 2}


def test_sum_duplicate_keys_keeps_unique_rows():
    frame = pd.DataFrame({"k": ["a", "b", "a"], "value": [1.0, 2.0, 3.0]})
    merged, n = sum_duplicate_keys(frame, ["k"])
    assert n == 1 and merged.set_index("k")["value"].to_dict() == {"a": 4.0, "b": 2.0}
    same, zero = sum_duplicate_keys(frame.iloc[:2], ["k"])
    assert zero == 0 and len(same) == 2


def test_guatemala_rows_without_origin_are_unknown_not_usa(tmp_path):
    lines = [
        "month,sex,age,origin,n",
        "2024-01,male,adult,MEX,3.0",
        "2024-01,male,adult,,4.0",
        "2024-01,female,unaccompanied child,MEX,1.0",
    ]
    out = gtm_returned_nationals.read(write(tmp_path, lines))
    assert set(out.counterpart_area) == {"MEX", "_X"}
    child = out[out.sex == "F"].iloc[0]
    assert (child.age, child.dim_1) == ("Y_LT18", "unaccompanied")


def test_world_bank_aggregates_are_dropped_and_counted(tmp_path):
    lines = [
        "Country Name,Country Code,Year,Value",
        "World,WLD,2020,7800000000",
        "Mexico,MEX,2020,126799054",
        "Channel Islands,CHI,2020,170000",
    ]
    out = wb_population.read(write(tmp_path, lines))
    assert set(out.ref_area) == {"MEX", "XCX"}
    assert out.attrs["notes"] == {"aggregates_dropped_rows": 1, "aggregates_dropped": 1}
    with pytest.raises(SourceFormatError, match="'ZZZ'"):
        wb_population.read(write(tmp_path, [*lines, "Nowhere,ZZZ,2020,1"]))


def test_wpp_rows_without_iso3_are_aggregates_except_kosovo(tmp_path):
    header = head(wpp2024_demography, 1)[0]
    lines = [
        header,
        "900,,World,2000,0.0,0.0,1.0,2.0,1.0",
        "412,,Kosovo (under UNSC res. 1244),2000,-1.5,-0.8,1,2,1",
        "484,MEX,Mexico,2000,-300.5,-3.0,1.0,2.0,1.0",
    ]
    out = wpp2024_demography.read(write(tmp_path, lines))
    assert set(out.ref_area) == {"XKX", "MEX"}
    assert out.attrs["notes"]["aggregates_dropped_rows"] == 1
    assert set(out.unit) == {"thousand_persons", "per_1000"}


def test_mmp_causes_with_commas_inside_labels_split_into_compound_codes():
    labels = iom_missing_migrants.CAUSES
    text = (
        "Harsh environmental conditions / lack of adequate shelter, food, water,Sickness / lack of access to "
        "adequate healthcare"
    )
    assert iom_missing_migrants.split_labels(text, labels) == ["harsh_conditions", "sickness"]
    assert iom_missing_migrants.split_labels("Drowning,Nonsense", labels) is None


def test_mmp_places_incidents_in_units_of_their_own_country():
    import geopandas as gpd
    from shapely.geometry import box

    # synthetic geometry: country A with two units, country B with none (country level only)
    admin1 = gpd.GeoDataFrame(
        {"geo_code": ["A-1", "A-2"], "parent_code": ["A", "A"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326
    )
    countries = gpd.GeoDataFrame({"geo_code": ["A", "B"]}, geometry=[box(0, 0, 2, 1), box(2, 0, 3, 1)], crs=4326)
    incidents = pd.DataFrame(
        {
            "country": ["A", "A", "A", "B", "A"],
            "lon": [0.5, 2.1, 2.5, 2.5, 9.0],  # inside A-1; 0.1° off A-2 (in B's polygon); in B; in B; far at sea
            "lat": [0.5, 0.5, 0.5, 0.5, 9.0],
        }
    )
    places, notes = iom_missing_migrants.compute_places(incidents, admin1, countries)
    assert places["ref_area"].tolist() == ["A-1", "A-2", "A", "B", "A"]
    assert places["geo_basis"].tolist() == ["point_in_unit", "nearest_unit", "country_only", "country", "country_only"]
    assert notes["outside_every_polygon"] == 1
    assert notes["in_polygon_of_another_country"] == 2


def test_conapo_age_groups_become_sdmx_codes():
    assert mex_conapo_migration_quinquennial.age_code("00-04") == "Y0T4"
    assert mex_conapo_migration_quinquennial.age_code("85-89") == "Y85T89"
