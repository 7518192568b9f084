// On phones the navigation scrolls sideways: bring the current page's link into view.
document.addEventListener("DOMContentLoaded", () => {
  const current = document.querySelector('.nav [aria-current="page"]');
  if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
    current.scrollIntoView({ block: "nearest", inline: "center" });
  }
});
