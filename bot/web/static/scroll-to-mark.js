// The source viewer: on each new document, scroll to the cited passage.
watch('value', () => {
  // Scroll the document box to the passage, then bring the passage on screen if it is not.
  const mark = element.querySelector('mark.cited');
  const box = element.querySelector('.doc-body');
  if (!mark || !box) return;
  if (box.scrollHeight > box.clientHeight + 1) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  // This page only: scrollIntoView would also scroll a page that embeds the chat in a frame.
  const r = mark.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) window.scrollBy({top: r.top - window.innerHeight / 3});
});
