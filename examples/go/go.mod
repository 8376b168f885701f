module usher.example/examples

go 1.19
