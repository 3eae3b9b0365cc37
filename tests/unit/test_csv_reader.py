"""The CSV import reads row by row: a bad quote costs one row, never the rows after it."""

from braise_profiles.csv_import.reader import MAX_ROW_CHARS, BadRow, Row, read_rows


def test_a_quoted_note_may_span_lines() -> None:
    text = 'kind,note\r\ncall,"Suivi,\r\nmission"\r\nlunch,ok\r\n'
    assert list(read_rows(text)) == [
        Row(1, ["kind", "note"]),
        Row(2, ["call", "Suivi,\r\nmission"]),
        Row(4, ["lunch", "ok"]),
    ]


def test_an_unclosed_quote_is_reported_and_the_next_rows_are_read() -> None:
    text = 'kind,note\ncall,"never closed\nlunch,one\n\nlunch,two\n'
    assert list(read_rows(text)) == [
        Row(1, ["kind", "note"]),
        BadRow(2, "a quote opened on this row is never closed"),
        Row(3, ["lunch", "one"]),
        Row(5, ["lunch", "two"]),
    ]


def test_rows_with_stray_quotes_are_each_reported_not_merged_in_pairs() -> None:
    rows = 50_000
    text = "kind,note\n" + "".join(f'call,"note {i}\n' for i in range(rows))
    read = list(read_rows(text))
    assert len(read) == rows + 1
    assert all(isinstance(r, BadRow) for r in read[1:])
    assert [r.line for r in read] == list(range(1, rows + 2))


def test_a_quote_inside_an_unquoted_cell_is_text() -> None:
    assert list(read_rows('kind,note\ncall,il a dit "oui"\n'))[1] == Row(
        2, ["call", 'il a dit "oui"']
    )


def test_a_row_over_the_limit_is_reported_whatever_its_quoting() -> None:
    long_cell = "n" * (MAX_ROW_CHARS + 1)
    text = f'kind,note\ncall,"{long_cell}"\ncall,{long_cell}\nlunch,short\n'
    read = list(read_rows(text))
    assert [type(r) for r in read] == [Row, BadRow, BadRow, Row]
    assert all("longer than" in r.reason for r in read if isinstance(r, BadRow))
    assert read[3] == Row(4, ["lunch", "short"])
