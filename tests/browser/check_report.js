// Added to a copy of report.sh's index.html by tests/report.bats. Once the page and its images
// have loaded, it measures what Chromium drew and writes it, as JSON, into the body's
// data-check attribute, which chromium --dump-dom prints:
//   images    each <img>: its src, whether it loaded, its natural size
//   headline  each row of the headline numbers' table, as the cells' texts
//   financial the texts (titles, ticks, legend) and points of financial.svg as laid out, and
//             each text whose box reaches into a point (the point's disc, its ring left out)
'use strict';

function loadObject(src) {
  return new Promise((resolve, reject) => {
    const object = document.createElement('object');
    object.type = 'image/svg+xml';
    object.data = src;
    object.width = 1200;
    object.height = 800;
    object.onload = () => resolve(object.contentDocument);
    object.onerror = () => reject(new Error('cannot load ' + src));
    document.body.appendChild(object);
  });
}

// The distance from a circle's middle to the nearest point of a box.
function reach(box, x, y) {
  const dx = Math.max(box.left - x, 0, x - box.right);
  const dy = Math.max(box.top - y, 0, y - box.bottom);
  return Math.hypot(dx, dy);
}

async function financial() {
  const doc = await loadObject('financial.svg');
  const points = [...doc.querySelectorAll('use')]
    // gnuplot's point type 7, a disc, is the SVG's gpPt6; <defs> holds the shapes, not points.
    .filter(use => !use.closest('defs') &&
                   /#gpPt6$/.test(use.getAttribute('xlink:href') || use.getAttribute('href') || ''))
    .map(use => {
      const box = use.getBoundingClientRect();
      return {x: box.left + box.width / 2, y: box.top + box.height / 2, r: box.width / 2};
    });
  const titles = [...doc.querySelectorAll('text')].map(text => ({text: text.textContent, box: text.getBoundingClientRect()}));
  const covered = [];
  for (const title of titles) {
    for (const point of points) {
      if (reach(title.box, point.x, point.y) < point.r)
        covered.push({title: title.text, point: [point.x, point.y, point.r].map(Math.round)});
    }
  }
  return {titles: titles.map(title => title.text), points: points.length, covered};
}

window.addEventListener('load', async () => {
  const result = {
    images: [...document.images].map(img => ({
      src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
      width: img.naturalWidth, height: img.naturalHeight})),
    headline: [...document.querySelectorAll('#headline tr')]
      .map(row => [...row.children].map(cell => cell.textContent)),
  };
  try {
    result.financial = await financial();
  } catch (error) {
    result.error = String(error);
  }
  document.body.setAttribute('data-check', JSON.stringify(result));
});
