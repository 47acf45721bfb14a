"use strict";
(() => {
  const data = JSON.parse(document.getElementById("episode-data").textContent);
  const audio = document.getElementById("player");
  const cues = Array.from(document.querySelectorAll("#transcript .cue"));
  const chapters = Array.from(document.querySelectorAll("#chapters .chapter"));
  const box = document.querySelector("#transcript .cues");
  const nowSpeaker = document.getElementById("now-speaker");
  const nowText = document.getElementById("now-text");
  const playhead = document.getElementById("playhead");
  const cueStarts = data.cues.map((c) => c[0]);
  const chapterStarts = data.chapters.map((c) => c.start);
  let currentCue = -1;
  let currentChapter = -1;

  // The last entry starting at or before t (-1 if none): binary search over sorted starts.
  function lastAtOrBefore(starts, t) {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 1e-3) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function seek(t) {
    audio.currentTime = t;
    const playing = audio.play();
    if (playing) playing.catch(() => {});  // a browser may refuse to play; the seek still stands
    update();
  }

  function follow(el) {
    // Scroll the transcript box only, never the page, and only when the cue is out of view.
    const top = el.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + el.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  function update() {
    const t = audio.currentTime;
    const i = lastAtOrBefore(cueStarts, t);
    if (i !== currentCue) {
      if (currentCue >= 0) cues[currentCue].classList.remove("current");
      currentCue = i;
      if (i >= 0) {
        const cue = cues[i];
        const speaker = data.speakers[data.cues[i][2]];
        cue.classList.add("current");
        nowSpeaker.textContent = speaker.name;
        nowSpeaker.style.setProperty("--c", speaker.colour);
        nowText.textContent = data.cues[i][3];
        follow(cue);
      } else {
        nowSpeaker.textContent = "";
        nowText.textContent = "";
      }
    }
    const c = lastAtOrBefore(chapterStarts, t);
    if (c !== currentChapter) {
      if (currentChapter >= 0) chapters[currentChapter].classList.remove("current");
      currentChapter = c;
      if (c >= 0) chapters[c].classList.add("current");
    }
    const total = audio.duration || data.duration;
    playhead.style.left = total ? `${Math.min(100, (100 * t) / total)}%` : "0";
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-start]");
    if (!target) return;
    event.preventDefault();
    seek(parseFloat(target.dataset.start));
  });
  for (const name of ["timeupdate", "seeked", "seeking", "loadedmetadata"]) {
    audio.addEventListener(name, update);
  }
  update();
})();
