// Runs once on the page: fixes of Gradio's markup it has no option for, kept as it re-renders.
const fix = () => {
  // The examples are buttons in a role=list without list items (an ARIA error): a group.
  document.querySelectorAll('#chat .examples[role=list]').forEach((e) => {
    e.setAttribute('role', 'group');
    e.setAttribute('aria-label', 'Example questions');
  });
  // New answers are announced once by #announce; the chat log re-read would repeat them.
  document.querySelectorAll('#chat [role=log][aria-live=polite]').forEach((e) => e.setAttribute('aria-live', 'off'));
};
let focused = false;
const focusOnce = () => {
  // Focus the question box on load, but not inside another site's frame (Chrome refuses
  // autofocus there, with a console error, and the host page would jump to the frame).
  if (focused || window.top !== window.self) return;
  const box = document.querySelector('#question textarea');
  if (box) { box.focus({preventScroll: true}); focused = true; }
};
fix();
focusOnce();
new MutationObserver(() => { fix(); focusOnce(); }).observe(document.body, {childList: true, subtree: true});
