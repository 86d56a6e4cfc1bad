"""The JSON-Schema form engine every domain builds its forms with (一网通办 application forms, later
12345 hotline forms, city events, data-hub and 一网协同 approval forms).

A form is a JSON Schema (Draft 2020-12: the data) plus UI hints (react-jsonschema-form's uiSchema:
how it is shown), stored with the domain's own record. The engine is plain functions of that pair:

- `schema`      the conventions (widgets, ``ui:*`` keys, prefill sources) and `form_problems`, the
                check a domain runs before it publishes a form;
- `specs`       the fields in display order (`specs_of`): `FieldSpec`, `GroupSpec` (repeating groups);
- `validation`  `form_data_errors`, the server-side check every write runs (web form and API alike);
- `prefill`     initial data from the applicant's subject record (``ui:prefill``);
- `regions`     the region picker's choices and labels;
- `display`     the stored data as staff read it (labels, region names, ID/phone masked);
- `blank_pdf`, `blank_excel`  the printable blank form and its workbook (表格下载).

The Django form that renders and parses it is `yiwang.web.schema_form.SchemaForm` (templates
`web/partials/schema_form.html` and `schema_field.html`); a domain subclasses it to add its own
fields (一网通办 adds one upload field per material). Nothing here knows any domain."""
