// The live region: its container stays, only its text changes, so screen readers read it out.
element.setAttribute('role', 'status');
element.setAttribute('aria-live', 'polite');
element.setAttribute('aria-atomic', 'true');
