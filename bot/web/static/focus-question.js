() => { document.querySelector('#question textarea')?.focus(); }
