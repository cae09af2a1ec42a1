-- The tracker store's database (the app database `signin` is created by the image).
CREATE DATABASE signin_tracker OWNER signin;
