() => { setTimeout(() => {
  // On a phone the page scrolls (not the chat): bring the latest question to the top of the
  // screen so its answer reads from the start. This page only, never a framing page.
  if (!window.matchMedia('(max-width: 640px)').matches) return;
  const rows = document.querySelectorAll('#chat .message-row.user-row');
  if (!rows.length) return;
  window.scrollBy({top: rows[rows.length - 1].getBoundingClientRect().top - 8});
}, 60); }
