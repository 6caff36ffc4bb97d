module github.com/autobahn-go/autobahn

go 1.24
