import yaml
from conftest import REPO

from livingreview.data.identity import identity
from livingreview.data.project import Project


def test_identity_is_read_from_the_book_configuration():
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    me = identity(Project(REPO))
    assert me.title == config["title"] and me.author == config["author"]
    assert me.repository_url == config["repository"]["url"]
    assert me.source.doi == str(config["livingreview"]["source"]["doi"])
    assert me.source.short().startswith(f"{me.source.authors[0][0]} ")


def test_review_chapters_are_the_first_part_of_the_toc():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    expected = [entry["file"] for entry in toc["parts"][0]["chapters"]]
    assert Project(REPO).review_chapters() == expected
