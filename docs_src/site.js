// hamux docs (offline build): a copy button on code blocks, and pagefind's search box
document.querySelectorAll('main div.highlight').forEach(function (block) {
  var b = document.createElement('button'); b.className = 'copy'; b.type = 'button'; b.textContent = 'Copy';
  b.title = 'Copy to clipboard';
  b.addEventListener('click', function () {
    var text = block.querySelector('pre').innerText;
    var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done); }
    else { var t = document.createElement('textarea'); t.value = text; document.body.appendChild(t); t.select();
           document.execCommand('copy'); t.remove(); done(); }
  });
  block.appendChild(b);
});
window.addEventListener('DOMContentLoaded', function () {
  if (location.protocol === 'file:') {
    document.getElementById('search').innerHTML = '<p class="search-note">Search needs the site served over http: ' +
      '<code>python -m http.server -d _docs</code></p>';
  } else if (window.PagefindUI) { new PagefindUI({ element: '#search', showSubResults: true, showImages: false }); }
});
