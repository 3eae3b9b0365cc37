// The firm's network on the staff page, drawn by cytoscape (vendored from npm, served here).
// The page hands over anonymous nodes with their sector's colour and living links with their
// stage; nothing here names anyone. When the layout has settled, the container says how many
// nodes it drew (data-drawn), which the browser tests wait for.
(function () {
  "use strict";
  var container = document.getElementById("network");
  var source = document.getElementById("network-data");
  if (!container || !source) return;
  if (typeof window.cytoscape !== "function") {
    container.setAttribute("data-drawn", "0");
    container.textContent = container.getAttribute("data-unavailable") || "";
    return;
  }
  var data = JSON.parse(source.textContent);
  var elements = data.nodes.map(function (n) {
    return { group: "nodes", data: { id: n.id, colour: n.colour } };
  });
  data.links.forEach(function (l, i) {
    elements.push({ group: "edges", data: { id: "e" + i, source: l.a, target: l.b, stage: l.stage } });
  });
  var cy = window.cytoscape({
    container: container,
    elements: elements,
    autoungrabify: true,
    boxSelectionEnabled: false,
    minZoom: 0.1,
    maxZoom: 4,
    style: [
      { selector: "node", style: { "background-color": "data(colour)", width: 9, height: 9,
                                   "border-width": 0.5, "border-color": "#ffffff" } },
      { selector: "edge", style: { width: 1, "line-color": "#8a8178", opacity: 0.55,
                                   "curve-style": "haystack" } },
      { selector: 'edge[stage = "active"]', style: { width: 3, opacity: 0.8 } },
      { selector: 'edge[stage = "growing"]', style: { width: 2 } },
      { selector: 'edge[stage = "nascent"]', style: { width: 1.5 } },
      { selector: 'edge[stage = "cooling"]', style: { width: 1.5 } },
      { selector: 'edge[stage = "dormant"]', style: { width: 1, "line-style": "dashed",
                                                      "curve-style": "straight" } }
    ],
    layout: { name: "preset" }
  });
  var layout = cy.layout({ name: "cose", animate: false, randomize: true, nodeRepulsion: 8000,
                           idealEdgeLength: 40, numIter: 1500, componentSpacing: 30 });
  layout.one("layoutstop", function () {
    cy.fit(undefined, 12);
    container.setAttribute("data-drawn", String(cy.nodes().length));
  });
  layout.run();
})();
