// js_on_load of a gr.HTML: a click on a [data-citation] element (not a Ctrl/Cmd-click, which
// opens the passage as a page) sends its number to the component's Python click handler.
element.addEventListener('click', (event) => {
  const link = event.target.closest('[data-citation]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  trigger('click', {citation: link.dataset.citation, kind: link.dataset.kind || 'citation'});
});
