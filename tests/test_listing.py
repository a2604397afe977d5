"""The listing toolkit every listing shares: page numbers that never give a 500, one word rule."""

import pytest

from boxlocale import listing
from boxlocale.errors import ValidationError

ODD_PAGES = ["0", "-1", "abc", "²", "١٢", "9" * 30, "9" * 5000, "1.5", " ", "１"]


@pytest.mark.parametrize("raw", ODD_PAGES)
def test_an_odd_page_is_page_one_on_a_page_and_a_400_in_the_api(raw):
    assert listing.page_number(raw) == 1
    with pytest.raises(ValidationError) as refused:
        listing.page_number(raw, strict=True)
    assert "page" in refused.value.fields


def test_plain_page_numbers():
    assert listing.page_number(None) == 1 and listing.page_number("3") == 3
    assert listing.page_number(str(listing.PAGE_MAX)) == listing.PAGE_MAX
    assert listing.page_number(str(listing.PAGE_MAX + 1)) == 1


def test_search_words_one_cap_and_no_empty_words():
    assert listing.search_words('vélo "* ** rouge') == ["vélo", "rouge"]
    assert len(listing.search_words(" ".join(f"w{n}" for n in range(20)))) == listing.MAX_WORDS


@pytest.mark.parametrize("path", ["/give/", "/books/", "/board/"])
@pytest.mark.parametrize("raw", ["²", "١٢", "9" * 30, "-3"])
def test_listing_pages_never_fail_on_odd_page_numbers(client, path, raw):
    assert client.get(path, query_string={"page": raw}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/books", "/api/v1/notices"])
@pytest.mark.parametrize("raw", ["²", "9" * 30, "0"])
def test_api_listings_refuse_odd_page_numbers_with_a_400(client, path, raw):
    response = client.get(path, query_string={"page": raw})
    assert response.status_code == 400 and "page" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("path, kept", [("/give/?kind=wanted", ("kind", "wanted")), ("/books/?view=all", ("view", "all")),
                                        ("/board/?kind=event", ("kind", "event"))])
def test_one_search_bar_on_every_listing(client, path, kept):
    html = client.get(path).get_data(as_text=True)
    assert html.count('id="q"') == 1
    assert f'<input id="q" name="q" type="search" value="" maxlength="{listing.QUERY_MAX}"' in html
    assert f'<input type="hidden" name="{kept[0]}" value="{kept[1]}">' in html
