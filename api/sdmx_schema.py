"""The XML schema of a data structure's structure-specific data (SDMX REST ``schema`` resource).

A structure-specific data set is typed by a schema made for its data structure and its
dimension at the observation level (SDMX-ML 2.1, section "Structure Specific Data"): its
target namespace is ``<DSD URN>:ObsLevelDim:<dimension>``, and it restricts the abstract
``DataSetType``, ``SeriesType`` and ``ObsType`` of ``SDMXDataStructureSpecificBase.xsd`` so that
every dimension is a required XML attribute whose values are the codes of its codelist.
``sdmx1`` does not write these schemas; this module does, for the structures it builds.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from api.sdmx_data import ALL_DIMENSIONS
from api.sdmx_structure import OBS_STATUS, OBS_VALUE, TIME, FlowInfo, StructureModel

NS_DSD = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
NS_COMMON = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"


def schema_namespace(flow: FlowInfo, obs_dim: str) -> str:
    return f"{flow.dsd.urn}:ObsLevelDim:{obs_dim}"


def _enumeration(name: str, codes) -> str:
    values = "".join(f"<xs:enumeration value={quoteattr(c)}/>" for c in codes)
    return (
        f'<xs:simpleType name="{name}"><xs:restriction base="common:IDType">{values}</xs:restriction></xs:simpleType>'
    )


def build_structure_schema(
    model: StructureModel,
    flow: FlowInfo,
    obs_dim: str = TIME,
    base_location: str = "SDMXDataStructureSpecific.xsd",
    common_location: str = "SDMXCommon.xsd",
) -> bytes:
    """The schema of ``flow``'s structure-specific data with ``obs_dim`` at the observation level."""
    dims = [(d, cl) for d, _, cl in flow.dimensions]
    types = {cl: f"{cl}_Type" for _, cl in dims}
    simple = [_enumeration(types[cl], list(model.codelists[cl].items)) for cl in dict.fromkeys(cl for _, cl in dims)]
    simple.append(_enumeration("CL_OBS_STATUS_Type", list(model.codelists["CL_OBS_STATUS"].items)))

    def attr(dim: str, use: str = "required") -> str:
        if dim == TIME:
            return f'<xs:attribute name="{TIME}" type="common:ObservationalTimePeriodType" use="{use}"/>'
        cl = dict(dims)[dim]
        return f'<xs:attribute name="{dim}" type="{types[cl]}" use="{use}"/>'

    obs_attrs = [
        '<xs:attribute name="type" type="common:IDType" use="prohibited"/>',
        '<xs:attribute name="REPORTING_YEAR_START_DAY" use="prohibited"/>',
        f'<xs:attribute name="{OBS_VALUE}" type="xs:double" use="optional"/>',
        f'<xs:attribute name="{OBS_STATUS}" type="CL_OBS_STATUS_Type" use="optional"/>',
    ]
    if obs_dim == ALL_DIMENSIONS:
        obs_attrs += [attr(d) for d, _ in dims] + [attr(TIME)]
        content = '<xs:element name="Obs" type="ObsType" form="unqualified" maxOccurs="unbounded"/>'
        series = ""
    else:
        obs_attrs.append(attr(obs_dim))
        if obs_dim != TIME:
            obs_attrs.append('<xs:attribute name="TIME_PERIOD" use="prohibited"/>')
        content = '<xs:element name="Series" type="SeriesType" form="unqualified" maxOccurs="unbounded"/>'
        series_attrs = ['<xs:attribute name="REPORTING_YEAR_START_DAY" use="prohibited"/>']
        series_attrs += [attr(d) for d, _ in dims if d != obs_dim]
        series_attrs.append(attr(TIME) if obs_dim != TIME else '<xs:attribute name="TIME_PERIOD" use="prohibited"/>')
        series = (
            '<xs:complexType name="SeriesType"><xs:complexContent><xs:restriction base="dsd:SeriesType">'
            '<xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/>'
            '<xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/>'
            f"</xs:sequence>{''.join(series_attrs)}</xs:restriction></xs:complexContent></xs:complexType>"
        )
    ns = schema_namespace(flow, obs_dim)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:dsd="{NS_DSD}" xmlns:common="{NS_COMMON}" '
        f'xmlns={quoteattr(ns)} targetNamespace={quoteattr(ns)} elementFormDefault="qualified" '
        'attributeFormDefault="unqualified">'
        f'<xs:import namespace="{NS_DSD}" schemaLocation={quoteattr(base_location)}/>'
        f'<xs:import namespace="{NS_COMMON}" schemaLocation={quoteattr(common_location)}/>'
        + "".join(simple)
        + '<xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="dsd:DataSetType">'
        '<xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/>'
        '<xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>'
        f"{content}</xs:sequence></xs:restriction></xs:complexContent></xs:complexType>"
        + series
        + '<xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="dsd:ObsType">'
        '<xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>'
        f"{''.join(obs_attrs)}</xs:restriction></xs:complexContent></xs:complexType>"
        "</xs:schema>"
    )
    return text.encode("utf-8")
