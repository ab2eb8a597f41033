"""Rendering letters, cards and postcards with WeasyPrint.

Public API (import from the modules; this package stays light to import):

- ``marathon.render.content``: ``LetterContent``, ``Addressee`` (plain values a letter shows).
- ``marathon.render.letters``: ``render_letter_pdf``, ``render_letters_pdf``,
  ``render_letter_document``, ``render_letter_html``, ``render_preview_html``, ``default_body``,
  ``template_languages``, ``stylesheet_names`` / ``layout_stylesheets``, ``render_html_pdf`` (our
  own print HTML with the shared fonts), ``render_lock`` / ``shared_renderer`` (the process's font
  configuration and parsed CSS).
- ``marathon.render.templating`` (light, no WeasyPrint): ``template_languages``,
  ``default_body``, ``letter_date``, ``text_direction``, ``window_side``.
- ``marathon.render.fitting``: ``address_size`` (the type size at which an address fits its
  envelope window or the postcard's address side).
- ``marathon.render.fetcher``: ``SafeURLFetcher`` (the only URL fetcher WeasyPrint gets),
  ``asset_url``, ``path_url``, ``asset_roots``.

What a kind of mail is (recipient, voice, paper, layout) is defined once in ``marathon.kinds``.
"""
