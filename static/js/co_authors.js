// Compose and edit: after a suggested co-author is picked, the server sends the co-author box back
// with the name put in; carry on typing at its end (a new input's caret would sit at the start).
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.id !== "co-author-picker") return;
  const box = document.getElementById("id_co_authors");
  if (!box) return;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
});
