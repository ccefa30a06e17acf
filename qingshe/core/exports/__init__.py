"""Exports: every list page can export exactly what it shows, filters applied, to Excel.

A list view computes its rows through its own selector (so scope and filters are the page's),
then hands them over with two lines:

    if exports.requested(request):
        return exports.respond(request, "needs.board", needs)

and its template shows `{% export_button %}` (core/templatetags/exports.py). Up to
SYNC_LIMIT rows the .xlsx is answered at once; above it an ExportJob is queued for a
django-tasks worker and the person gets a page that polls until the file is ready. The columns
of each list are declared in `specs.py` (one ExportSpec per list). Cells that a spreadsheet
would run as a formula are neutralised; phone and ID numbers are masked for those who may not
read them in clear (core.access).
"""
