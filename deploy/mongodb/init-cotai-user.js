// Runs once, when the MongoDB data volume is first created (the image's docker-entrypoint-initdb.d).
// The application gets its own user, allowed to read and write its own database and nothing else;
// the root account stays for operators.
const dbName = process.env.MONGO_APP_DATABASE || "cotai";
const user = process.env.MONGO_APP_USER || "cotai";
const password = process.env.MONGO_APP_PASSWORD;
if (!password) {
  throw new Error("MONGO_APP_PASSWORD is not set: the application user cannot be created");
}
db.getSiblingDB(dbName).createUser({
  user: user,
  pwd: password,
  roles: [{ role: "readWrite", db: dbName }],
});
