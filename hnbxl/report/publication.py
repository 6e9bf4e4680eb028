"""What a compile publishes: the report's files, and the history record of them.

Once the returns are validated and the report assembled, a compile writes
the committee's workbook, the officer's beside it, the PDF when asked for,
and (for a folder on the bundled programme) the definition; and it records
in history the returns it used, every value, rating and issue, and each
file's SHA-256.  Both are made here, in memory, so that
:func:`hnbxl.store.commit.publish` can write them all or nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hnbxl.core.fileio import sha256_hex
from hnbxl.core.issues import Issue
from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme
from hnbxl.report.assemble import Assembled
from hnbxl.report.model import Report, ReturnUsed
from hnbxl.report.workbook import render_officer, render_report, report_pdf
from hnbxl.returns.validate import Validation
from hnbxl.store.commit import FileToPublish, stored_path
from hnbxl.store.history import NewCompile, RatingRecord, ReturnRecord
from hnbxl.store.keeping import chosen_note, officer_path


def chosen_notes(validation: Validation) -> dict[str, str]:
    """Each return used, by its display name: why it was used over the copies
    ``--newest-wins`` set aside (empty when there were none)."""
    aside: dict[str, list[str]] = {}
    for old, new in validation.set_aside:
        aside.setdefault(new.display, []).append(Path(old.display).name)
    return {r.display: chosen_note(aside.get(r.display, [])) for r in validation.used}


def returns_used(validation: Validation) -> list[ReturnUsed]:
    """The returns a report was made from, as its officer workbook lists them."""
    notes = chosen_notes(validation)
    return [ReturnUsed(r.display, r.sha256, r.identity.owner if r.identity else "",
                       r.identity.sections if r.identity else (), notes[r.display])
            for r in validation.used]


def report_files(report: Report, target: Path, pdf: bool,
                 definition: tuple[Path, bytes] | None) -> list[FileToPublish]:
    """The files a compile publishes, rendered: the committee's workbook at ``target``
    first, then the officer's beside it, then the PDF (``pdf``) and the definition
    (a folder on the bundled programme gets its own, in the same commit)."""
    xlsx = render_report(report)
    officer = render_officer(report)  # beside it: for the officer, not the papers
    files = [FileToPublish("output", target, xlsx, sha256_hex(xlsx)),
             FileToPublish("officer", officer_path(target), officer, sha256_hex(officer))]
    if pdf:
        data = report_pdf(report)
        files.append(FileToPublish("pdf", target.with_suffix(".pdf"), data, sha256_hex(data)))
    if definition is not None:
        path, text = definition
        files.append(FileToPublish("definition", path, text, sha256_hex(text)))
    return files


def compile_record(programme: Programme, period: Period, validation: Validation,
                   assembled: Assembled, issues: list[Issue],
                   kept: dict[str, FileToPublish], files: list[FileToPublish],
                   root: Path) -> NewCompile:
    """History's record of one compile: its files (from :func:`report_files`), the kept
    returns (by SHA-256), every value under the key history keeps, every rating and
    issue, and the definition it was made with."""
    by_kind = {f.kind: f for f in files}
    pdf = by_kind.get("pdf")
    notes = chosen_notes(validation)
    return NewCompile(
        programme=programme.id,
        period=period,
        definition_hash=programme.hash,
        extracted_on=assembled.report.extracted_on.isoformat(),
        output=stored_path(by_kind["output"].path, root),
        output_sha256=by_kind["output"].sha256,
        officer=stored_path(by_kind["officer"].path, root),
        officer_sha256=by_kind["officer"].sha256,
        pdf=stored_path(pdf.path, root) if pdf is not None else None,
        pdf_sha256=pdf.sha256 if pdf is not None else None,
        returns=tuple(
            ReturnRecord(r.sha256, r.display, stored_path(kept[r.sha256].path, root),
                         r.identity.owner if r.identity else "",
                         r.identity.sections if r.identity else (), notes[r.display])
            for r in validation.used),
        values=tuple(sorted((replace(v, field=assembled.field_key(k))
                             for k, v in validation.values.items()), key=lambda v: v.field)),
        ratings=tuple(RatingRecord(k, v.key, v.computed, v.overridden, v.reason, v.basis)
                      for k, v in assembled.ratings.items()),
        figures=assembled.figures,
        risks=assembled.risks,
        issues=tuple(issues),
        definition_text=programme.text,
        definition_source=programme.source,
    )
