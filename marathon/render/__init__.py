"""Rendering letters, cards and postcards with WeasyPrint.

Public API (import from the modules; this package stays light to import):

- ``marathon.render.content``: ``LetterContent``, ``Addressee`` (plain values a letter shows).
- ``marathon.render.letters``: ``render_letter_pdf``, ``render_letters_pdf``,
  ``render_letter_document``, ``render_letter_html``, ``render_preview_html``, ``default_body``,
  ``template_languages``, ``render_html_pdf`` (our own print HTML with the shared fonts),
  ``render_lock`` / ``shared_renderer`` (the process's font configuration and parsed CSS).
- ``marathon.render.fetcher``: ``SafeURLFetcher`` (the only URL fetcher WeasyPrint gets),
  ``asset_url``, ``path_url``.
- ``marathon.render.fonts``: ``font_configuration``, ``fonts_stylesheet``.
"""
