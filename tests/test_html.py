from tests.html import nested_forms


def test_it_finds_a_form_inside_a_form() -> None:
    html = '<form method="post"><button>保存</button><form action="/x/delete/"><button>删除</button></form></form>'
    assert nested_forms(html) == ["/x/delete/"]


def test_forms_side_by_side_are_fine() -> None:
    assert nested_forms('<form action="/a/"></form><div><form action="/b/"></form></div>') == []
