"""The home page in a text browser (w3m, as a screen reader or a very old phone reads it): each door's
title stands apart from its description."""

import subprocess

from .conftest import require_tool


def test_w3m_reads_each_door_title_apart_from_its_description(client):
    w3m = require_tool("w3m")
    html = client.get("/").get_data()
    text = subprocess.run([w3m, "-dump", "-T", "text/html", "-cols", "100", "-I", "UTF-8", "-O", "UTF-8"],
                          input=html, capture_output=True, timeout=30, check=True).stdout.decode()
    assert "Boîte à dons — Ce qu'il y a dans la boîte" in text
    assert "Livres — L'étagère des livres voyageurs" in text
    assert "Coups de main — Entraide" in text
    assert "donsCe" not in text and "LivresL" not in text
