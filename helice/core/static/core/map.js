/*
 * Hélice — the map of organisations.
 *
 * Progressive enhancement: the page already lists every organisation as text;
 * this script turns the box #map into a Leaflet map with clustered markers.
 * Data comes from a JSON block written by Django's json_script filter, and
 * settings from data- attributes, so no inline script is needed (strict CSP).
 * Every text shown on the map is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var DEFAULT_ZOOM = 11;
  var MAX_ZOOM = 18;

  function readPoints(container) {
    var source = document.getElementById(container.dataset.points || "map-points");
    if (!source) {
      return [];
    }
    try {
      var data = JSON.parse(source.textContent);
      return Array.isArray(data) ? data : [];
    } catch (error) {
      return [];
    }
  }

  function isCoordinate(value, limit) {
    return typeof value === "number" && isFinite(value) && Math.abs(value) <= limit;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function popupContent(point, approximateLabel) {
    var box = element("div", "map-popup");
    var title = element("p");
    var link = element("a", null, point.name);
    link.href = point.url;
    title.appendChild(document.createElement("strong")).appendChild(link);
    box.appendChild(title);
    var meta = [point.kind, point.commune].filter(Boolean).join(" · ");
    if (meta) {
      box.appendChild(element("p", "meta", meta));
    }
    if (point.approximate && approximateLabel) {
      box.appendChild(element("p", "map-approx", approximateLabel));
    }
    return box;
  }

  function clusterIcon(label) {
    var safeLabel = escapeHtml(label);
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      return L.divIcon({
        html:
          "<div><span>" + count +
          (safeLabel ? '<span class="visually-hidden"> ' + safeLabel + "</span>" : "") +
          "</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40),
      });
    };
  }

  function init(container) {
    if (typeof L === "undefined" || container.dataset.ready) {
      return; // Leaflet missing: the text list below the map still serves.
    }
    container.dataset.ready = "true";
    var points = readPoints(container).filter(function (p) {
      return isCoordinate(p.lat, 90) && isCoordinate(p.lon, 180);
    });
    var center = [
      parseFloat(container.dataset.centerLat) || 45.188,
      parseFloat(container.dataset.centerLon) || 5.724,
    ];

    container.textContent = ""; // remove the "needs JavaScript" message
    var map = L.map(container, {
      center: center,
      zoom: DEFAULT_ZOOM,
      maxZoom: MAX_ZOOM,
      scrollWheelZoom: false, // do not trap the page scroll; enabled once the map has the focus
      keyboard: true,
    });
    map.on("focus click", function () {
      map.scrollWheelZoom.enable();
    });
    map.on("blur", function () {
      map.scrollWheelZoom.disable();
    });

    var tileUrl = container.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        maxZoom: MAX_ZOOM,
        attribution: escapeHtml(container.dataset.tileAttribution || ""),
      }).addTo(map);
    }

    var approximateLabel = container.dataset.approximateLabel || "";
    var layer = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({
          iconCreateFunction: clusterIcon(container.dataset.clusterLabel || ""),
          showCoverageOnHover: false,
          maxClusterRadius: 50,
        })
      : L.layerGroup();

    var bounds = [];
    points.forEach(function (point) {
      var title = point.approximate && approximateLabel
        ? point.name + " (" + approximateLabel + ")"
        : point.name;
      var marker = L.marker([point.lat, point.lon], { title: title, alt: title, keyboard: true });
      marker.bindPopup(popupContent(point, approximateLabel));
      layer.addLayer(marker);
      bounds.push([point.lat, point.lon]);
    });
    layer.addTo(map);

    if (bounds.length === 1) {
      map.setView(bounds[0], 14);
    } else if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    }
  }

  function start() {
    var containers = document.querySelectorAll(".map[data-points]");
    for (var i = 0; i < containers.length; i++) {
      init(containers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
