// The chat's inline markers: the bubbles are Gradio's, so one listener on the page (installed
// once, with the sources panel) sends a marker's click to the sources panel's handler, before
// the bubble's own click selects the message. The copy buttons copy a bubble's plain text
// (its data-copy: the answer with its sources), not its markup.
if (!window.__citationMarkers) {
  window.__citationMarkers = true;
  // Gradio's sanitizer strips data-* attributes from messages: restore them from the classes.
  const restore = () => document.querySelectorAll('#chat a.ans-cite:not([data-citation])').forEach((a) => {
    const number = a.className.match(/\bcite-(\d+)\b/), exchange = a.className.match(/\bexchange-(\d+)\b/);
    if (number) a.dataset.citation = number[1];
    if (exchange) a.dataset.exchange = exchange[1];
  });
  new MutationObserver(restore).observe(document.body, {childList: true, subtree: true});
  restore();
  document.addEventListener('click', (event) => {
    restore();
    const link = event.target.closest && event.target.closest('#chat [data-citation]');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    trigger('click', {citation: link.dataset.citation, exchange: link.dataset.exchange, kind: 'citation'});
  }, true);
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = (text) => {
      if (typeof text === 'string' && text.includes('data-copy=')) {
        const doc = new DOMParser().parseFromString(text, 'text/html');
        doc.querySelectorAll('[data-copy]').forEach((el) => el.replaceWith(el.getAttribute('data-copy')));
        text = doc.body.textContent;
      }
      return write(text);
    };
  }
}
