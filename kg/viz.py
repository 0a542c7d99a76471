"""spread.html: which regions implemented which programmes, as an offline pyvis page.

Regions sit at their projected coordinates (no physics), programmes on a ring
around the map; an edge joins a region to each programme it implemented, with
the first year. The page is self-contained: vis-network (bundled with pyvis) is
inlined, our own template replaces pyvis's (which pulls Bootstrap from a CDN and
does not escape), every text from a document goes in as JSON data rendered with
``textContent``, and ``</`` is escaped so no text can close the script element.
"""

from __future__ import annotations

import html
import json
import math
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
from pyvis.network import Network

from kg.store import write_text

__all__ = ["spread_data", "write_spread"]

QUERY = """
PREFIX fz: <https://w3id.org/fazhi-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?region ?rlabel ?wkt ?prog ?plabel ?curated ?year ?evidence ?source WHERE {
  ?imp a fz:Implementation ; fz:region ?region ; fz:programme ?prog ; fz:year ?year ;
       fz:planned false ; fz:evidence ?evidence ; prov:wasDerivedFrom ?report .
  ?report dcterms:source ?source .
  ?region rdfs:label ?rlabel .
  OPTIONAL { ?region geo:hasGeometry/geo:asWKT ?wkt }
  ?prog skos:prefLabel ?plabel .
  OPTIONAL { ?prog fz:curated ?curated }
}
"""
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def _point(wkt: str | None) -> tuple[float, float] | None:
    if not wkt or not wkt.startswith("POINT("):
        return None
    lon, lat = (float(x) for x in wkt[6:-1].split())
    return lon, lat


def _project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular projection centred on China, in vis-network pixels."""
    return (lon - 104.0) * 40 * math.cos(math.radians(35)), -(lat - 35.0) * 40


def spread_data(store: ox.Store) -> dict[str, list[dict[str, object]]]:
    """Nodes and edges of the spread view, sorted (deterministic)."""
    regions: dict[str, dict[str, object]] = {}
    programmes: dict[str, dict[str, object]] = {}
    edges: dict[tuple[str, str], dict[str, object]] = {}
    for sol in store.query(QUERY):
        row = {name: (sol[name].value if sol[name] is not None else None) for name in
               ("region", "rlabel", "wkt", "prog", "plabel", "curated", "year", "evidence", "source")}
        region, prog = row["region"], row["prog"]
        point = _point(row["wkt"])
        regions.setdefault(region, {"id": region, "label": row["rlabel"], "point": point})
        programmes.setdefault(prog, {
            "id": prog, "label": row["plabel"], "curated": row["curated"] != "false",
        })
        year = int(row["year"][:4])
        edge = edges.get((region, prog))
        if edge is None or year < int(edge["year"]):
            edges[(region, prog)] = {
                "from": region, "to": prog, "year": year,
                "evidence": row["evidence"], "source": row["source"],
            }
    return {
        "regions": sorted(regions.values(), key=lambda r: str(r["id"])),
        "programmes": sorted(programmes.values(), key=lambda p: str(p["label"])),
        "edges": sorted(edges.values(), key=lambda e: (str(e["from"]), str(e["to"]))),
    }


def _network(data: dict[str, list[dict[str, object]]]) -> Network:
    net = Network(height="100%", width="100%", directed=False, cdn_resources="in_line")
    ids, labels, titles, xs, ys, colors, shapes, sizes = [], [], [], [], [], [], [], []
    for i, r in enumerate(data["regions"]):
        x, y = _project(*r["point"]) if r["point"] else (0.0, 0.0)
        degree = sum(1 for e in data["edges"] if e["from"] == r["id"])
        ids.append(r["id"]); labels.append(r["label"]); titles.append(r["label"])
        xs.append(x); ys.append(y); colors.append(PALETTE[i % len(PALETTE)])
        shapes.append("dot"); sizes.append(8 + 2 * degree)
    n = max(len(data["programmes"]), 1)
    radius = 900.0
    for i, p in enumerate(data["programmes"]):
        angle = 2 * math.pi * i / n
        ids.append(p["id"]); labels.append(p["label"])
        titles.append(p["label"] + ("" if p["curated"] else "(候选 / candidate)"))
        xs.append(radius * math.cos(angle)); ys.append(radius * math.sin(angle))
        colors.append("#888888" if not p["curated"] else "#e6a700")
        shapes.append("box"); sizes.append(10)
    net.add_nodes(ids, label=labels, title=titles, x=xs, y=ys, color=colors, shape=shapes, size=sizes)
    for node in net.nodes:
        node["physics"] = False
        node["fixed"] = True
    for e in data["edges"]:
        net.edges.append({"from": e["from"], "to": e["to"], "title": f"{e['year']}: {e['evidence']}",
                          "year": e["year"], "source": e["source"]})
    net.toggle_physics(False)
    return net


def _script_json(value: object) -> str:
    """JSON safe inside <script>: no ``</``, no ``<!--``, no line separators."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _asset(name: str) -> str:
    return (files("pyvis") / "lib" / "vis-9.1.2" / name).read_text(encoding="utf-8")


TEMPLATE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}
html,body{{margin:0;height:100%;font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}}
#bar{{padding:6px 10px;border-bottom:1px solid #ccc;font-size:14px}}
#net{{position:absolute;top:64px;bottom:0;left:0;right:320px}}
#side{{position:absolute;top:64px;bottom:0;right:0;width:310px;overflow:auto;padding:6px;border-left:1px solid #ccc;font-size:13px}}
</style></head><body>
<div id="bar"><strong>{title}</strong><br><span id="caption"></span>
 <label>措施 / programme: <select id="pick"><option value="">(全部 / all)</option></select></label></div>
<div id="net"></div><div id="side"><em>点击地区或措施查看证据 / click a region or programme for evidence</em></div>
<script>{js}</script>
<script>
const DATA = {data};
const nodes = new vis.DataSet(DATA.nodes);
const edges = new vis.DataSet(DATA.edges.map((e, i) => Object.assign({{id: i}}, e)));
const net = new vis.Network(document.getElementById("net"), {{nodes, edges}}, DATA.options);
document.getElementById("caption").textContent = DATA.caption;
const pick = document.getElementById("pick");
for (const p of DATA.programmes) {{
  const o = document.createElement("option"); o.value = p.id; o.textContent = p.label; pick.appendChild(o);
}}
pick.addEventListener("change", () => {{
  const id = pick.value;
  const lit = new Set(DATA.edges.filter(e => !id || e.to === id).map(e => e.from));
  nodes.update(DATA.nodes.filter(n => n.shape === "dot").map(n => ({{id: n.id, opacity: lit.has(n.id) ? 1 : 0.15}})));
  document.body.dataset.selected = id;
}});
net.on("click", (ev) => {{
  const side = document.getElementById("side"); side.replaceChildren();
  const id = ev.nodes[0]; if (!id) return;
  const n = nodes.get(id); const h = document.createElement("h3"); h.textContent = n.label; side.appendChild(h);
  for (const e of DATA.edges.filter(e => e.from === id || e.to === id)) {{
    const other = nodes.get(e.from === id ? e.to : e.from);
    const p = document.createElement("p");
    p.textContent = e.year + " · " + other.label + " — " + e.evidence + " (" + e.source + ")";
    side.appendChild(p);
  }}
}});
</script></body></html>
"""


def write_spread(
    store: ox.Store, path: Path, *, title: str = "法治措施扩散图 · Spread of governance measures"
) -> None:
    """Write the offline spread view of the graph in ``store`` to ``path`` (UTF-8)."""
    data = spread_data(store)
    net = _network(data)
    years = sorted({int(e["year"]) for e in data["edges"]})
    caption = (f"{len(data['regions'])} 个地区 regions · {len(data['programmes'])} 项措施 programmes · "
               f"{len(data['edges'])} 条实施 adoptions"
               + (f" · {years[0]}–{years[-1]}" if years else ""))
    payload = {
        "nodes": net.nodes, "edges": net.edges, "caption": caption,
        "programmes": [{"id": p["id"], "label": p["label"]} for p in data["programmes"]],
        "options": {"physics": {"enabled": False}, "interaction": {"hover": True},
                    "edges": {"smooth": False, "color": {"opacity": 0.4}}},
    }
    page = TEMPLATE.format(
        title=html.escape(title), css=_asset("vis-network.css"), js=_asset("vis-network.min.js"),
        data=_script_json(payload),
    )
    write_text(path, page)
